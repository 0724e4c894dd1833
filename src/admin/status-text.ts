import { clean, formatBytes, formatRate, formatUptime, table } from './output.js';
import type { InstanceRow, StatusDocument } from './status-document.js';

/** One instance as table cells, the same in `status` and in `status --watch`. */
export function instanceCells(i: InstanceRow): string[] {
  return [
    clean(i.id),
    i.state,
    `${clean(i.host)}:${i.port}/${i.pid}`,
    formatUptime(i.uptimeSec),
    String(i.connections),
    String(i.rooms),
    formatRate(i.msgsInPerSec),
    formatRate(i.msgsOutPerSec),
    formatBytes(i.rssBytes),
    i.loopLagMs.toFixed(1),
    clean(i.bootId),
  ];
}

/** `chat-admin status` for people: a row per live instance, totals, Redis health. */
export function statusLines(doc: StatusDocument): string[] {
  const rows = doc.instances.map(instanceCells);
  const t = doc.totals;
  rows.push([
    'total',
    `${t.instances} up`,
    '',
    '',
    String(t.connections),
    String(t.rooms),
    formatRate(t.msgsInPerSec),
    formatRate(t.msgsOutPerSec),
    '',
    '',
    '',
  ]);
  const r = doc.redis;
  const shards = r.masters !== null ? `  cluster ${r.mastersOk ?? '?'}/${r.masters} masters` : '';
  const redis = r.ok
    ? `redis ${r.version ?? '?'}  ok  ping ${r.pingMs ?? '?'} ms  memory ${formatBytes(
        r.usedMemoryBytes ?? undefined,
      )}  clients ${r.connectedClients ?? '?'}${shards}`
    : r.masters !== null && (r.mastersOk ?? 0) > 0
      ? `redis  DEGRADED: ${r.mastersOk}/${r.masters} cluster masters answer`
      : 'redis  UNREACHABLE from the answering instance';
  return [
    ...table(
      [
        'INSTANCE',
        'STATE',
        'ADDRESS/PID',
        'UPTIME',
        'CONNS',
        'ROOMS',
        'IN/s',
        'OUT/s',
        'RSS',
        'LAG ms',
        'BOOT',
      ],
      rows,
      [4, 5, 6, 7, 8, 9],
    ),
    '',
    redis,
  ];
}
