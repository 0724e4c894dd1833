import { roomOf, type InstanceContext } from './context.js';
import { parseFanout } from './history.js';

/**
 * Delivers stored messages to this instance's sockets. The append script publishes every
 * message on one channel inside the same atomic step that stores it, so all instances see
 * messages in id order; Socket.IO keeps that order per socket. When the subscription is
 * re-established after a Redis outage, clients are told to resume from their last id,
 * since anything published meanwhile was missed here.
 */
export async function startFanout(ctx: InstanceContext): Promise<{ stop(): Promise<void> }> {
  const sub = ctx.redis.fanout;
  const channel = ctx.keys.fanoutChannel();
  const nsp = ctx.io.of('/');
  sub.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    const msg = parseFanout(raw);
    if (!msg) {
      ctx.log.warn({ raw: raw.slice(0, 200) }, 'malformed fan-out message ignored');
      return;
    }
    const target = roomOf(msg.room);
    const n = nsp.adapter.rooms.get(target)?.size ?? 0;
    if (n === 0) return;
    ctx.io.local.to(target).emit('message:created', msg);
    ctx.metrics.messagesOut.inc(n);
    ctx.rates.addOut(n);
  });
  let first = true;
  const onReady = (): void => {
    if (first) {
      first = false;
      return;
    }
    ctx.log.info('fan-out subscription restored; asking clients to resume');
    ctx.io.local.emit('sync:required', { reason: 'redis subscription restored' });
  };
  sub.on('ready', onReady);
  await sub.subscribe(channel);
  if (sub.status === 'ready') first = false;
  return {
    async stop() {
      sub.off('ready', onReady);
      await sub.unsubscribe(channel).catch(() => undefined);
    },
  };
}
