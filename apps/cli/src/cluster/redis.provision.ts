import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { UsageError } from '../errors/usage.error';
import { lastLogLine, type ChildProcesses } from './child-processes';
import { freePort } from './ports';

/** How long a Redis gets to answer PING before the cluster starts its own. */
const PING_TIMEOUT_MS = 1_000;
const START_TIMEOUT_MS = 15_000;

export interface RedisEndpoint {
  readonly url: string;
  /** True when this cluster runs the redis-server itself (AOF in the cluster directory). */
  readonly managed: boolean;
}

export class RedisServerMissingError extends UsageError {
  constructor(url: string | undefined) {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    super(
      url === undefined
        ? 'redis-server is not installed and REDIS_URL is not set'
        : `no Redis answers at ${url} and redis-server is not installed`,
      `run \`${sudo}apt-get install -y redis-server\` or point REDIS_URL at a running Redis`,
    );
  }
}

/** A RESP array of bulk strings: the form every Redis command takes on the wire. */
const resp = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * Whether a Redis answers PING at `url` within `timeoutMs` (after AUTH when the URL has
 * credentials). The CLI speaks these two commands itself instead of loading a Redis client: the
 * coordinator's repositories own every real use of Redis.
 */
export function pingRedis(url: string, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || 6379);
  const auth =
    parsed.password === ''
      ? ''
      : parsed.username === ''
        ? resp('AUTH', decodeURIComponent(parsed.password))
        : resp('AUTH', decodeURIComponent(parsed.username), decodeURIComponent(parsed.password));
  return new Promise((resolve) => {
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const socket: Socket =
      parsed.protocol === 'rediss:'
        ? connectTls({ host, port, servername: host })
        : connectTcp({ host, port });
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(`${auth}${resp('PING')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      // An error first (WRONGPASS, NOAUTH): the coordinator could not use this Redis either.
      if (reply.startsWith('-')) done(false);
      else if (reply.includes('+PONG\r\n')) done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('close', () => {
      done(false);
    });
  });
}

/**
 * The Redis a cluster uses: the one at REDIS_URL when it answers, else a private redis-server on
 * a free loopback port with its append-only file in `dir` (so a later `up` finds its jobs again).
 */
export async function provisionRedis(
  dir: string,
  log: string,
  env: NodeJS.ProcessEnv,
  children: ChildProcesses,
  say: (line: string) => void,
): Promise<RedisEndpoint> {
  const external = env.REDIS_URL;
  if (external !== undefined && external !== '') {
    if (await pingRedis(external)) return { url: external, managed: false };
  }
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  // AOF only (no RDB snapshots): every acknowledged write survives a crash of the cluster.
  args.push('--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--logfile', '');
  try {
    await children.spawn({ role: 'redis', name: 'redis', command: 'redis-server', args, env, log });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RedisServerMissingError(external);
    throw err;
  }
  if (external !== undefined && external !== '') {
    say(`no Redis answers at REDIS_URL (${external}); started a private redis-server`);
  }
  const url = `redis://127.0.0.1:${port}`;
  const redis = { exited: false };
  void children.exitOf('redis').then(() => {
    redis.exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await pingRedis(url, 500))) {
    if (redis.exited || Date.now() > deadline) {
      throw new Error(
        `the private redis-server ${redis.exited ? 'exited' : 'did not answer'} on port ${port} (${lastLogLine(log)}); see ${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, managed: true };
}
