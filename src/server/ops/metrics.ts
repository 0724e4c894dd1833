import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The instance's Prometheus metrics, on a registry of its own. */
export class Metrics {
  readonly registry = new Registry();
  /**
   * How many chat sockets are connected, read when metrics are scraped (set by the server),
   * so a connect or disconnect costs no gauge update.
   */
  connectedSockets: () => number = () => 0;
  readonly connections: Gauge = new Gauge({
    name: 'chat_connections',
    help: 'Connected chat sockets on this instance',
    registers: [this.registry],
    collect: (): void => this.connections.set(this.connectedSockets()),
  });
  readonly messagesIn = new Counter({
    name: 'chat_messages_in_total',
    help: 'Messages accepted from clients and stored',
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'chat_messages_out_total',
    help: 'Message deliveries to local sockets',
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'chat_ack_latency_seconds',
    help: 'Time from receiving a client event to acknowledging it',
    labelNames: ['event'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'chat_redis_errors_total',
    help: 'Requests that failed because Redis was unavailable',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'chat_rejected_total',
    help: 'Client events refused, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  /**
   * Room frames that left in one write with an earlier frame to the same socket, read when
   * metrics are scraped (set by the server).
   */
  roomFramesJoinedSoFar: () => number = () => 0;
  readonly roomFramesJoined = new Counter({
    name: 'chat_room_frames_joined_total',
    help: "Room messages that reached a socket in the same write as an earlier one (several of a room's messages read from Redis at once, as under load): one system call for them all",
    registers: [this.registry],
    collect: (): void => {
      this.roomFramesJoined.reset();
      this.roomFramesJoined.inc(this.roomFramesJoinedSoFar());
    },
  });
  readonly fanoutReceived = new Counter({
    name: 'chat_fanout_received_total',
    help: 'Messages this instance received on room channels (only rooms with local members)',
    registers: [this.registry],
  });
  readonly roomSubscriptions = new Gauge({
    name: 'chat_room_subscriptions',
    help: 'Room channels this instance is subscribed to (rooms with local members)',
    registers: [this.registry],
  });
  readonly appendUnreplicated = new Counter({
    name: 'chat_append_unreplicated_total',
    help: 'Appends acknowledged before the configured replicas confirmed them (WAIT timed out)',
    registers: [this.registry],
  });
  readonly presenceIdsLost = new Counter({
    name: 'chat_presence_ids_lost_total',
    help: "Times this instance's presence id was lost before it renewed it (a stall past 3 s, or Redis losing it): other instances hid its members until it put them back",
    registers: [this.registry],
  });
  readonly upgradesAbandoned = new Counter({
    name: 'chat_upgrades_abandoned_total',
    help: 'WebSocket upgrades dropped unserved because their client had closed the connection before they were read (a client that gave up waiting, as in a reconnect herd)',
    registers: [this.registry],
  });
  readonly loopLag = new Gauge({
    name: 'chat_event_loop_lag_seconds',
    help: 'Event-loop delay p99 over the last second',
    registers: [this.registry],
  });

  constructor(labels: Record<string, string>) {
    this.registry.setDefaultLabels(labels);
    // prom-client's own event-loop monitor samples every 10 ms by default, waking an idle
    // instance 100 times a second for lifetime figures; the lag that matters is
    // chat_event_loop_lag_seconds above (status.ts: LoopLag), so its monitor samples once a
    // second.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }
}
