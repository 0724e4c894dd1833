/**
 * The plain baseline the bench compares against: Socket.IO 4.8 with the Redis adapter, join
 * and `io.to(room).emit`, nothing else (no auth, history, acks beyond one callback, limits).
 * Usage: node baseline-server.js <port> <redis-url>
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

interface Msg {
  room: string;
  text: string;
  ts: number;
}
interface ClientEvents {
  join: (room: string, ack: () => void) => void;
  message: (room: string, text: string, ack: () => void) => void;
}
interface ServerEvents {
  message: (m: Msg) => void;
}

const port = Number(process.argv[2]);
const redisUrl = process.argv[3] ?? 'redis://127.0.0.1:6379';
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
/** Broadcasts this instance received from Redis (the scale bench compares it with ours). */
let received = 0;
sub.on('pmessageBuffer', () => received++);
const http = createServer((req, res) => {
  if (req.url === '/received') res.end(String(received));
});
const io = new Server<ClientEvents, ServerEvents>(http, {
  transports: ['websocket'],
  adapter: createAdapter(pub, sub, { key: 'baseline' }),
});

// Socket.IO's own memory advice (docs/v4/memory-usage): the first HTTP request of each
// session is not needed after the handshake, so the baseline does not keep it.
io.engine.on('connection', (rawSocket: { request: unknown }) => {
  rawSocket.request = null;
});

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('message', (room, text, ack) => {
    io.to(room).emit('message', { room, text, ts: Date.now() });
    if (typeof ack === 'function') ack();
  });
});

http.listen(port, '127.0.0.1', () => process.stdout.write(`baseline ready ${port}\n`));
process.on('SIGTERM', () => {
  void io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});
