import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Medium tests need a real Redis. Use REDIS_URL or 127.0.0.1:6379 when one answers; otherwise start a
 * throw-away redis-server on a free port for this test run (installed by `apt-get install redis-server`).
 */
const canConnect = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });

let redis: ChildProcess | undefined;
let redisDir: string | undefined;

export async function setup(): Promise<void> {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (await canConnect(url.hostname, Number(url.port || 6379))) {
    process.env.REDIS_URL = url.toString();
    return;
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  redisDir = mkdtempSync(join(tmpdir(), 'repvgg-redis-'));
  redis = spawn('redis-server', ['--port', String(port), '--save', '', '--dir', redisDir], {
    stdio: 'ignore',
  });
  const spawnError = new Promise<never>((_, reject) => {
    redis?.on('error', () => {
      reject(
        new Error(
          'no Redis at ' +
            url.host +
            ' and redis-server is not installed: run `sudo apt-get install -y redis-server`',
        ),
      );
    });
  });
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([canConnect('127.0.0.1', port), spawnError]))) {
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
}

export function teardown(): void {
  redis?.kill('SIGTERM');
  if (redisDir !== undefined) rmSync(redisDir, { recursive: true, force: true });
}
