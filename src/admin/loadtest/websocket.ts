import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A WebSocket client (RFC 6455) with only what a virtual user needs: text messages, no
 * extensions, the closing handshake, pongs to pings. It exists for cost: a worker holds
 * thousands of these and reads ~10k small frames a second, and a plain TCP socket read into
 * one shared buffer (`onread`) skips the stream and event machinery a general client (`ws`)
 * puts around every read. What it receives is checked as strictly as `ws` checks it: the
 * handshake's accept key, unmasked frames, no reserved bits, valid UTF-8, a size cap.
 */
export interface WebSocketHandlers {
  open(): void;
  message(text: string): void;
  /** The connection is gone (never called after {@link FrameSocket.terminate}). */
  closed(reason: string): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Larger frames than the server ever sends (its packet cap is far below) end the connection. */
const MAX_PAYLOAD = 16 * 1024 * 1024;
const MAX_HEADER = 16 * 1024;
/**
 * One read buffer for every socket of the process: each read is handled to its end before the
 * next read of any socket, and what must outlive it (a frame's tail) is copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Mask keys from one pool of random bytes (refilled when used up). */
const maskPool = Buffer.allocUnsafe(4096);
let maskAt = maskPool.length;
function maskKey(): number {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  maskAt += 4;
  return maskAt - 4;
}

export class FrameSocket {
  private readonly sock: net.Socket;
  private readonly key = randomBytes(16).toString('base64');
  private upgraded = false;
  private done = false;
  /** Bytes of an incomplete frame (or handshake response) kept from the last read. */
  private rest: Buffer | undefined;
  /** Parts of a fragmented text message. */
  private fragments: Buffer[] | undefined;

  constructor(
    url: URL,
    private readonly on: WebSocketHandlers,
  ) {
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (secure) {
      this.sock = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host });
      this.sock.on('data', (b: Buffer) => this.onBytes(b, b.length));
    } else {
      this.sock = net.connect({
        host,
        port,
        onread: {
          buffer: READ_BUFFER,
          callback: (n) => {
            this.onBytes(READ_BUFFER, n);
            return true;
          },
        },
      });
    }
    this.sock.setNoDelay(true);
    this.sock.on(secure ? 'secureConnect' : 'connect', () => {
      this.sock.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${this.key}\r\n\r\n`,
      );
    });
    this.sock.on('error', (err) => this.fail(err.message));
    this.sock.on('end', () => this.fail('transport close'));
    this.sock.on('close', () => this.fail('transport close'));
  }

  get isOpen(): boolean {
    return this.upgraded && !this.done;
  }

  /** Sends one text message (masked, as a client must). */
  send(text: string): void {
    if (!this.isOpen) return;
    this.sock.write(frame(0x1, Buffer.from(text)));
  }

  /** The closing handshake: a close frame (1000), then our half of the connection. */
  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.upgraded) {
      const code = Buffer.allocUnsafe(2);
      code.writeUInt16BE(1000);
      this.sock.end(frame(0x8, code));
      // The server answers and closes; if it does not, the socket goes anyway.
      setTimeout(() => this.sock.destroy(), 5000).unref();
    } else this.sock.destroy();
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.done = true;
    this.sock.destroy();
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.sock.destroy();
    this.on.closed(reason);
  }

  private onBytes(buf: Buffer, n: number): void {
    if (this.done) return;
    let data = buf;
    let len = n;
    if (this.rest) {
      data = Buffer.concat([this.rest, buf.subarray(0, n)]);
      len = data.length;
      this.rest = undefined;
    }
    let off = 0;
    if (!this.upgraded) {
      const end = data.subarray(0, len).indexOf('\r\n\r\n');
      if (end < 0) {
        if (len > MAX_HEADER) this.fail('an oversized handshake response');
        else this.rest = Buffer.from(data.subarray(0, len));
        return;
      }
      const problem = this.checkHandshake(data.toString('latin1', 0, end));
      if (problem) {
        this.fail(problem);
        return;
      }
      this.upgraded = true;
      off = end + 4;
      this.on.open();
    }
    while (off < len && !this.done) {
      const used = this.onFrame(data, off, len);
      if (used === 0) break;
      off += used;
    }
    if (off < len && !this.done) this.rest = Buffer.from(data.subarray(off, len));
  }

  private checkHandshake(head: string): string | undefined {
    const lines = head.split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
    if (status?.[1] !== '101') return `Unexpected server response: ${status?.[1] ?? 'none'}`;
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
    }
    const accept = createHash('sha1')
      .update(this.key + GUID)
      .digest('base64');
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
    if (headers.get('sec-websocket-accept') !== accept) return 'Invalid Sec-WebSocket-Accept';
    if (headers.has('sec-websocket-extensions')) return 'Server sent an extension';
    return undefined;
  }

  /** Handles the frame at `off`; returns its length, or 0 if it is not all here yet. */
  private onFrame(data: Buffer, off: number, len: number): number {
    if (len - off < 2) return 0;
    const b0 = data[off]!;
    const b1 = data[off + 1]!;
    if (b0 & 0x70) return this.bad('a reserved bit set');
    if (b1 & 0x80) return this.bad('a masked frame from the server');
    let size = b1 & 0x7f;
    let head = 2;
    if (size === 126) {
      if (len - off < 4) return 0;
      size = data.readUInt16BE(off + 2);
      head = 4;
    } else if (size === 127) {
      if (len - off < 10) return 0;
      if (data.readUInt32BE(off + 2) !== 0) return this.bad('an oversized frame');
      size = data.readUInt32BE(off + 6);
      head = 10;
    }
    if (size > MAX_PAYLOAD) return this.bad('an oversized frame');
    if (len - off < head + size) return 0;
    const start = off + head;
    const end = start + size;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= 0x8 && (!fin || size > 125)) return this.bad('a malformed control frame');
    switch (opcode) {
      case 0x1: // text
        if (this.fragments) return this.bad('a new message inside a fragmented one');
        if (fin) this.text(data.subarray(start, end));
        else this.fragments = [Buffer.from(data.subarray(start, end))];
        break;
      case 0x0: // continuation
        if (!this.fragments) return this.bad('a continuation with nothing to continue');
        this.fragments.push(Buffer.from(data.subarray(start, end)));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = undefined;
          if (whole.length > MAX_PAYLOAD) return this.bad('an oversized message');
          this.text(whole);
        }
        break;
      case 0x8: // close: answer it, then the connection ends
        if (!this.done) this.sock.end(frame(0x8, Buffer.from(data.subarray(start, end))));
        this.fail('transport close');
        break;
      case 0x9: // ping
        this.sock.write(frame(0xa, Buffer.from(data.subarray(start, end))));
        break;
      case 0xa: // pong
        break;
      default:
        return this.bad(opcode === 0x2 ? 'a binary frame' : `opcode ${opcode}`);
    }
    return head + size;
  }

  private text(payload: Buffer): void {
    if (!isUtf8(payload)) {
      this.fail('invalid UTF-8');
      return;
    }
    this.on.message(payload.toString('utf8'));
  }

  private bad(what: string): number {
    this.fail(`protocol error: ${what}`);
    return 0;
  }
}

/** A client frame: FIN, the opcode, the mask bit and key, the masked payload. */
function frame(opcode: number, payload: Buffer): Buffer {
  const size = payload.length;
  const head = size < 126 ? 2 : size < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + size);
  out[0] = 0x80 | opcode;
  if (size < 126) out[1] = 0x80 | size;
  else if (size < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(size, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(size, 6);
  }
  const k = maskKey();
  maskPool.copy(out, head, k, k + 4);
  for (let i = 0; i < size; i++) out[head + 4 + i] = payload[i]! ^ maskPool[k + (i & 3)]!;
  return out;
}
