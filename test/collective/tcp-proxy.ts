import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * Forwards a loopback port to another; `cut()` turns it into a black hole (connections stay open,
 * bytes vanish), which is what a network partition looks like to both ends.
 */
export class TcpProxy {
  private cutOff = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        proxy?.sockets.add(from);
        from.on('data', (chunk: Buffer) => {
          if (proxy?.cutOff !== true) to.write(chunk);
        });
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
    });
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new TcpProxy(
          server,
          typeof address === 'object' && address !== null ? address.port : 0,
        );
        resolve(proxy);
      });
    });
  }

  cut(): void {
    this.cutOff = true;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
