import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request the stand-in received. */
export interface SeenRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

/** What the stand-in answers a request with: an HTTP status and a JSON body. */
export type KubeApiHandler = (req: SeenRequest) => [number, unknown];

/** A Kubernetes `Status` body, as the API server sends with an error code. */
export const kubeStatus = (code: number, reason: string): unknown => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason,
  code,
});

/**
 * A stand-in for the Kubernetes API server (this machine has no cluster): plain HTTP on loopback that
 * records every request and answers each with `handler`, so a test asserts exactly what a client of
 * the API sends. `kubeconfig` points @kubernetes/client-node at it.
 */
export class KubeApiStandIn {
  readonly seen: SeenRequest[] = [];
  private readonly server: Server = createServer((req, res) => {
    void this.record(req).then((seen) => {
      const [status, body] = this.handler(seen);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  private port = 0;

  constructor(private readonly handler: KubeApiHandler) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /**
   * A kubeconfig file for the stand-in (call after `listen`): user token `stand-in-token`, context
   * namespace `namespace`.
   */
  kubeconfig(namespace: string): string {
    const file = join(tmpdir(), `kubeconfig-${process.pid}-${this.port}.yaml`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `  - name: stand-in`,
        // plain HTTP on loopback, which the client only allows with verification off
        `    cluster: { server: 'http://127.0.0.1:${this.port}', insecure-skip-tls-verify: true }`,
        'users:',
        '  - name: client',
        '    user: { token: stand-in-token }',
        'contexts:',
        '  - name: stand-in',
        `    context: { cluster: stand-in, user: client, namespace: ${namespace} }`,
        'current-context: stand-in',
        '',
      ].join('\n'),
    );
    return file;
  }

  private async record(req: IncomingMessage): Promise<SeenRequest> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: text === '' ? undefined : JSON.parse(text),
    };
    this.seen.push(seen);
    return seen;
  }
}
