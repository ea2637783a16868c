import { afterEach, describe, expect, it } from 'vitest';
import { DATA_PLANES, type DataPlane } from '@repvgg/collective';
import { type Outcome, RingCluster } from './ring-cluster';
import { TcpProxy } from './tcp-proxy';

/**
 * A member of a 4-rank ring (either data plane) disappears (killed, frozen, or cut off the network) between two
 * all-reduces. Every other member must fail within the deadline, naming that rank.
 */
const FLOOR_MS = 2_000;
/** Start-up of the failing call and IPC back to the test, on two busy cores. */
const SLACK_MS = 1_500;
const VICTIM = 2;
const LENGTH = 1 << 20;

let cluster: RingCluster | undefined;
let proxies: TcpProxy[] = [];
afterEach(() => {
  cluster?.stop();
  cluster = undefined;
  for (const p of proxies) p.close();
  proxies = [];
});

const allReduce = (c: RingCluster, step: number, ranks?: number[]): Promise<Outcome[]> =>
  c.run(() => ({ type: 'allreduce', step, length: LENGTH, seed: 1, samples: [] }), ranks);

async function warmRing(
  dataPlane: DataPlane,
  options: Parameters<typeof RingCluster.start>[1] = {},
): Promise<RingCluster> {
  const c = await RingCluster.start(4, { dataPlane, floorMs: FLOOR_MS, ...options });
  for (const o of await allReduce(c, 0)) expect(o.type).toBe('done');
  return c;
}

function expectNamed(outcomes: Outcome[]): void {
  for (const o of outcomes) {
    expect(o.type).toBe('error');
    if (o.type !== 'error') continue;
    expect(o.ranks).toEqual([VICTIM]);
    expect(o.message).toContain(`rank ${VICTIM}`);
    expect(o.ms).toBeLessThanOrEqual(FLOOR_MS + SLACK_MS);
  }
}

const survivors = [0, 1, 3];

describe.each(DATA_PLANES)(
  'a lost member makes every other member fail in time (%s data plane)',
  (dataPlane) => {
    it('SIGKILL', async () => {
      cluster = await warmRing(dataPlane);
      cluster.signal(VICTIM, 'SIGKILL');
      expectNamed(await allReduce(cluster, 1, survivors));
    });

    it('SIGSTOP', async () => {
      cluster = await warmRing(dataPlane);
      cluster.signal(VICTIM, 'SIGSTOP');
      expectNamed(await allReduce(cluster, 1, survivors));
    });

    it('network cut (all its connections black-holed)', async () => {
      cluster = await warmRing(dataPlane, {
        route: async (from, to, port) => {
          if (from !== VICTIM && to !== VICTIM) return `127.0.0.1:${port}`;
          const proxy = await TcpProxy.start(port);
          proxies.push(proxy);
          return `127.0.0.1:${proxy.port}`;
        },
      });
      for (const p of proxies) p.cut();
      const outcomes = await allReduce(cluster, 1);
      expectNamed(outcomes.filter((_, rank) => rank !== VICTIM));
      const victim = outcomes[VICTIM];
      expect(victim.type).toBe('error');
      expect(victim.ms).toBeLessThanOrEqual(FLOOR_MS + SLACK_MS);
    });
  },
);
