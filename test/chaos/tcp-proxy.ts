import net from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, to cut one process off from a server, or
 * hold (the connections stay open, nothing passes: a Redis that hangs, or a network path
 * that drops packets) and release, when what was held goes on in order.
 */
export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;
  private holding = false;
  /** What arrived while held, in order, with the socket it goes to. */
  private readonly held: [net.Socket, Buffer][] = [];
  private server!: net.Server;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (this.cutOff) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this;
  }

  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.holding) this.held.push([to, chunk]);
      else to.write(chunk);
    });
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  /** Passes nothing either way from now on; the connections stay open. */
  hold(): void {
    this.holding = true;
  }

  /** Passes what was held, in order, and everything after. */
  release(): void {
    this.holding = false;
    for (const [to, chunk] of this.held.splice(0)) if (!to.destroyed) to.write(chunk);
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
