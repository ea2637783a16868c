/** A ring member in its own process, driven over IPC by the multi-process collective tests. */
import {
  AdaptiveDeadline,
  CollectiveError,
  CollectiveServer,
  createTransport,
  RingCollective,
  type DataPlane,
  type ReduceMode,
  type TlsPaths,
} from '@repvgg/collective';
import { fixtureInput, fixtureValue, sha256 } from './fixture-data';

export type MemberCommand =
  | { type: 'listen'; tls?: TlsPaths }
  | {
      type: 'join';
      rank: number;
      peers: string[];
      dataPlane: DataPlane;
      /** Data-plane addresses by rank (the TCP plane), when a test routes them through proxies. */
      dataPeers?: string[];
      job: string;
      generation: number;
      token: string;
      floorMs: number;
      chunkBytes: number;
    }
  | {
      type: 'allreduce';
      step: number;
      length: number;
      seed: number;
      samples: number[];
    }
  /** Checks every element of the last `allreduce` result against the float64 sum of `members` inputs. */
  | { type: 'check'; members: number }
  | { type: 'contributions'; mode: ReduceMode; step: number; length: number; seeds: number[] }
  | { type: 'broadcast'; step: number; root: number; bytes: number }
  | { type: 'exit' };

export type MemberReply =
  | { type: 'listening'; port: number; dataPort: number }
  | { type: 'joined' }
  | { type: 'done'; sha: string; samples: number[]; worst?: WorstElement; ms: number }
  | { type: 'error'; name: string; ranks: number[]; message: string; ms: number };

/** The element furthest from the exact sum, relative to Σ|x| (the scale of float32 summation error). */
export interface WorstElement {
  readonly index: number;
  /** |result − Σx| with Σx in float64. */
  readonly error: number;
  /** Σ|x| over the members' inputs. */
  readonly magnitude: number;
}

/** Compares every element of `result` with the float64 sum of inputs `seed`, `seed + 1`, …, one per member. */
function worstElement(result: Float32Array, seed: number, members: number): WorstElement {
  let worst: WorstElement = { index: -1, error: 0, magnitude: 1 };
  for (let i = 0; i < result.length; i++) {
    let exact = 0;
    let magnitude = 0;
    for (let r = 0; r < members; r++) {
      const x = fixtureValue(seed + r, i);
      exact += x;
      magnitude += Math.abs(x);
    }
    // NaN must win, so the comparison is written to be true for it.
    const error = Math.abs((result[i] ?? NaN) - exact);
    if (worst.index < 0 || !(error * worst.magnitude <= worst.error * magnitude))
      worst = { index: i, error, magnitude };
  }
  return worst;
}

const reply = (m: MemberReply): void => {
  process.send?.(m);
};

let server: CollectiveServer | undefined;
let tls: TlsPaths | undefined;
let rings: Record<ReduceMode, RingCollective> | undefined;
let lastReduced: { data: Float32Array; seed: number } | undefined;

async function run(
  mode: ReduceMode,
  work: (
    ring: RingCollective,
  ) => Promise<{ data: ArrayBufferView; samples: number[]; worst?: WorstElement }>,
): Promise<void> {
  const ring = rings?.[mode];
  if (ring === undefined) throw new Error('not joined');
  const started = Date.now();
  try {
    const { data, samples, worst } = await work(ring);
    const ms = Date.now() - started;
    reply({
      type: 'done',
      sha: sha256(data),
      samples,
      ...(worst === undefined ? {} : { worst }),
      ms,
    });
  } catch (error) {
    reply({
      type: 'error',
      name: error instanceof Error ? error.name : 'unknown',
      ranks: error instanceof CollectiveError ? [...error.ranks] : [],
      message: error instanceof Error ? error.message : String(error),
      ms: Date.now() - started,
    });
  }
}

async function handle(c: MemberCommand): Promise<void> {
  switch (c.type) {
    case 'listen':
      tls = c.tls;
      server = await CollectiveServer.start('127.0.0.1:0', c.tls);
      reply({ type: 'listening', port: server.port, dataPort: server.dataPort });
      return;
    case 'join': {
      if (server === undefined) throw new Error('join before listen');
      const transport = createTransport({
        dataPlane: c.dataPlane,
        ...(c.dataPeers === undefined ? {} : { dataPeers: c.dataPeers }),
        server,
        rank: c.rank,
        peers: c.peers,
        identity: { job: c.job, generation: c.generation, token: c.token },
        ...(tls === undefined ? {} : { tls }),
      });
      const deadline = new AdaptiveDeadline({ floorMs: c.floorMs });
      // Both modes share the transport; tests give their calls distinct steps.
      rings = {
        fast: new RingCollective(transport, { mode: 'fast', chunkBytes: c.chunkBytes, deadline }),
        deterministic: new RingCollective(transport, {
          mode: 'deterministic',
          chunkBytes: c.chunkBytes,
          deadline,
        }),
      };
      reply({ type: 'joined' });
      return;
    }
    case 'allreduce':
      await run('fast', async (r) => {
        const data = fixtureInput(c.length, c.seed + r.rank);
        await r.allReduce(c.step, data);
        lastReduced = { data, seed: c.seed };
        return { data, samples: c.samples.map((i) => data[i] ?? NaN) };
      });
      return;
    case 'check':
      // Apart from the all-reduce, so that this long loop never holds up a collective peers wait on.
      await run('fast', () => {
        if (lastReduced === undefined) throw new Error('check before allreduce');
        const { data, seed } = lastReduced;
        return Promise.resolve({ data, samples: [], worst: worstElement(data, seed, c.members) });
      });
      return;
    case 'contributions':
      await run(c.mode, async (r) => {
        const mine = c.seeds.map((seed) => fixtureInput(c.length, seed));
        const data = await r.allReduceContributions(
          c.step,
          mine.length > 0 ? mine : [new Float32Array(c.length)],
        );
        return { data, samples: [] };
      });
      return;
    case 'broadcast':
      await run('fast', async (r) => {
        const source =
          r.rank === c.root
            ? new Uint8Array(c.bytes).map((_, i) => (i * 7 + c.root) & 0xff)
            : undefined;
        const data = await r.broadcast(c.step, c.root, source);
        return { data, samples: [data.byteLength] };
      });
      return;
    case 'exit':
      await rings?.fast.close();
      await server?.shutdown();
      process.exit(0);
  }
}

process.on('message', (c: MemberCommand) => {
  handle(c).catch((error: unknown) => {
    reply({
      type: 'error',
      name: 'FixtureError',
      ranks: [],
      message: error instanceof Error ? error.message : String(error),
      ms: 0,
    });
  });
});
