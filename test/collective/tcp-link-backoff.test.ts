import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectiveServer, TcpTransport } from '@repvgg/collective';
import { encodeControlFrame } from '@repvgg/collective/tcp/data-frame';
import { backoffDelay, type BackoffPolicy } from '@repvgg/contracts';

/**
 * A data link whose sender keeps answering "not in this generation yet": the receiver retries with
 * capped exponential backoff, not at a fixed rate. The jitter is pinned (random → 0.999) so each
 * wait has a known lower bound; the gaps between connection attempts can only be longer than the
 * waits (connecting takes time), never shorter, however loaded the machine.
 */
const POLICY: BackoffPolicy = { baseMs: 60, capMs: 400 };
const ATTEMPTS = 6;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A sender that refuses every hello with retry: true and records when each connection came. */
async function notYetSender(): Promise<{ port: number; attempts: number[] }> {
  const attempts: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    attempts.push(performance.now());
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.end(
      encodeControlFrame('answer', { accepted: false, retry: true, details: 'not joined yet' }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      }),
  );
  return { port: (server.address() as AddressInfo).port, attempts };
}

describe('TcpTransport data-link retries', () => {
  it('waits capped, exponentially growing delays between attempts to open a data link', async () => {
    const sender = await notYetSender();
    const [server, idle] = await Promise.all([
      CollectiveServer.start('127.0.0.1:0'),
      CollectiveServer.start('127.0.0.1:0'),
    ]);
    cleanup.push(
      () => server.shutdown(),
      () => idle.shutdown(),
    );
    const random = (): number => 0.999;
    const transport = new TcpTransport({
      server,
      rank: 0,
      peers: [`127.0.0.1:${server.port}`, `127.0.0.1:${idle.port}`],
      identity: { job: 'j', generation: 1, token: 't' },
      dataPeers: ['', `127.0.0.1:${sender.port}`],
      linkRetry: { policy: POLICY, random },
    });
    cleanup.push(() => transport.close());
    while (sender.attempts.length < ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await transport.close();
    const gaps = sender.attempts.slice(1, ATTEMPTS).map((t, i) => t - (sender.attempts[i] ?? t));
    const waits = gaps.map((_, attempt) => backoffDelay(POLICY, attempt, random));
    // 59, 119, 239, 399, 399: growing, then capped.
    expect(waits).toEqual([59, 119, 239, 399, 399]);
    gaps.forEach((gap, i) => {
      // a millisecond of slack: timers may fire up to 1 ms early by the performance clock
      expect(gap).toBeGreaterThanOrEqual((waits[i] ?? 0) - 1);
    });
  });
});
