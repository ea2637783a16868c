import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  AdaptiveDeadline,
  CollectiveServer,
  createTransport,
  DATA_PLANES,
  type DataPlane,
  InMemoryTransport,
  MessageRefusedError,
  RingCollective,
  type ReduceMode,
  ReduceArena,
  type TlsPaths,
} from '@repvgg/collective';
import { encodeControlFrame } from '@repvgg/collective/tcp/data-frame';
import { fixtureInput, sha256 } from './fixture-data';

/** Ring members over real sockets on loopback (either data plane), all in this process. */
interface Member {
  job?: string;
  generation?: number;
  token?: string;
}

let servers: CollectiveServer[] = [];
let rings: RingCollective[] = [];
afterEach(async () => {
  await Promise.all(rings.map((r) => r.close()));
  await Promise.all(servers.map((s) => s.shutdown()));
  servers = [];
  rings = [];
});

async function loopbackRing(
  dataPlane: DataPlane,
  n: number,
  mode: ReduceMode,
  options: {
    members?: Member[];
    floorMs?: number;
    tls?: (rank: number) => TlsPaths;
    connectionsPerPeer?: number;
  } = {},
): Promise<RingCollective[]> {
  servers = await Promise.all(
    Array.from({ length: n }, (_, r) => CollectiveServer.start('127.0.0.1:0', options.tls?.(r))),
  );
  const peers = servers.map((s) => `127.0.0.1:${s.port}`);
  rings = servers.map((server, rank) => {
    const m = options.members?.[rank] ?? {};
    const tls = options.tls?.(rank);
    return new RingCollective(
      createTransport({
        dataPlane,
        server,
        rank,
        peers,
        identity: { job: m.job ?? 'job', generation: m.generation ?? 1, token: m.token ?? 'tok' },
        ...(tls === undefined ? {} : { tls }),
        connectionsPerPeer: options.connectionsPerPeer ?? 1,
      }),
      {
        mode,
        chunkBytes: 16 * 1024,
        deadline: new AdaptiveDeadline({ floorMs: options.floorMs ?? 5000 }),
      },
    );
  });
  return rings;
}

type RingOptions = Parameters<typeof loopbackRing>[3];

const dir = mkdtempSync(join(tmpdir(), 'repvgg-mtls-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};
/** A CA and a member certificate valid for 127.0.0.1, both with fresh keys. */
const issue = (name: string): TlsPaths => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}-ca`,
    '-keyout',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${name}-ca.pem`,
    '-CAkey',
    `${name}-ca.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  );
  return {
    caFile: join(dir, `${name}-ca.pem`),
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
  };
};
const withSan = (name: string): TlsPaths => {
  execFileSync(
    'sh',
    ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${name}.ext`],
    { cwd: dir },
  );
  return issue(name);
};

/** One CA and member certificate for the cluster and one for a stranger, made once for both planes. */
let issued: { cluster: TlsPaths; stranger: TlsPaths } | undefined;
const certificates = (): { cluster: TlsPaths; stranger: TlsPaths } =>
  (issued ??= { cluster: withSan('cluster'), stranger: withSan('stranger') });

describe.each(DATA_PLANES)('%s data plane', (dataPlane) => {
  const startRing = (n: number, mode: ReduceMode, options?: RingOptions) =>
    loopbackRing(dataPlane, n, mode, options);

  it('a member that joins its generation 250 ms after its peer still all-reduces', async () => {
    // Regression: the gRPC plane took the stream end that follows an UNAVAILABLE refusal ("not
    // open here yet") for the peer leaving, and failed the generation it was retrying to join.
    servers = await Promise.all([0, 1].map(() => CollectiveServer.start('127.0.0.1:0')));
    const peers = servers.map((s) => `127.0.0.1:${s.port}`);
    const join = (rank: number): RingCollective =>
      new RingCollective(
        createTransport({
          dataPlane,
          server: servers[rank],
          rank,
          peers,
          identity: { job: 'job', generation: 1, token: 'tok' },
        }),
        { mode: 'fast', deadline: new AdaptiveDeadline({ floorMs: 5000 }) },
      );
    const early = join(0);
    rings = [early];
    await new Promise((resolve) => setTimeout(resolve, 250));
    const late = join(1);
    rings.push(late);
    const data = [new Float32Array(1000).fill(1), new Float32Array(1000).fill(2)];
    await Promise.all([early.allReduce(0, data[0]), late.allReduce(0, data[1])]);
    expect([data[0][999], data[1][0]]).toEqual([3, 3]);
  });

  describe('ring collectives in one process', () => {
    it.each([1, 2, 3, 4, 5, 6, 7, 8])(
      'N=%i: sizes that do not divide by N match float64',
      async (n) => {
        const members = await startRing(n, 'fast');
        for (const [step, length] of [1, 13, 4099].entries()) {
          const inputs = members.map((_, r) => fixtureInput(length, 10 * n + r));
          const outputs = inputs.map((x) => Float32Array.from(x));
          await Promise.all(members.map((m, r) => m.allReduce(step, outputs[r])));
          let worst = 0;
          for (let i = 0; i < length; i++) {
            const exact = inputs.reduce((s, x) => s + x[i], 0);
            const magnitude = inputs.reduce((s, x) => s + Math.abs(x[i]), 0);
            worst = Math.max(worst, Math.abs(outputs[0][i] - exact) - n * 2 ** -23 * magnitude);
          }
          expect(worst).toBeLessThanOrEqual(0);
          for (const o of outputs) expect(sha256(o)).toBe(sha256(outputs[0]));
        }
      },
    );

    it.each([2, 3, 5])(
      'N=%i: reduce buffers give the bits of plain arrays, adding staged chunks in SIMD',
      async (n) => {
        const members = await startRing(n, 'fast');
        const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
        try {
          // several calls: lane slots are reused, receives are posted before the sends they overlap
          for (const [step, length] of [100_003, 1, 100_003, 4099].entries()) {
            const inputs = members.map((_, r) => fixtureInput(length, 40 * n + r + step));
            const plain = inputs.map((x) => Float32Array.from(x));
            await Promise.all(members.map((m, r) => m.allReduce(2 * step, plain[r])));
            const staged = members.map((m, r) => {
              const b = m.reduceBuffer(length);
              b.set(inputs[r]);
              return b;
            });
            adds.mockClear();
            await Promise.all(members.map((m, r) => m.allReduce(2 * step + 1, staged[r])));
            for (const b of staged) expect(sha256(b)).toBe(sha256(plain[0]));
            if (length >= n) expect(adds).toHaveBeenCalled();
          }
        } finally {
          adds.mockRestore();
        }
      },
    );

    it('N=2: every chunk is read where it goes, none copied, no foreign memory pooled', async () => {
      // Both members start together, so every chunk is announced (expect) before it can arrive:
      // reduce-scatter chunks into the staging slots, all-gather chunks into the buffer. Large
      // enough for several lanes, and repeated, so chunks do arrive before their receives.
      const members = await startRing(2, 'fast');
      const recycled = members.map((m) =>
        m.transport.recycle ? vi.spyOn(m.transport, 'recycle') : undefined,
      );
      const buffers = members.map((m) => m.reduceBuffer(4_000_003));
      for (let step = 0; step < 3; step++) {
        buffers.forEach((b, r) => b.fill(r + 1 + step));
        await Promise.all(members.map((m, r) => m.allReduce(step, buffers[r])));
        for (const b of buffers) expect(b.every((x) => x === 3 + 2 * step)).toBe(true);
      }
      if (dataPlane === 'tcp') for (const spy of recycled) expect(spy).not.toHaveBeenCalled();
      // A plain array has no staging slots: its reduce-scatter chunks come in pooled buffers.
      const plain = members.map((_, r) => new Float32Array(300_001).fill(r + 1));
      await Promise.all(members.map((m, r) => m.allReduce(9, plain[r])));
      for (const b of plain) expect(b.every((x) => x === 3)).toBe(true);
      if (dataPlane === 'tcp') for (const spy of recycled) expect(spy).toHaveBeenCalled();
      // Whatever was handed back, the pool kept only its own allocations: the buffers are intact.
      for (const spy of recycled) {
        for (const [payload] of spy?.mock.calls ?? []) {
          expect(buffers.some((b) => b.buffer === payload.buffer)).toBe(false);
        }
      }
    });

    it('deterministic mode is bit-identical for N = 1, 2, 3, 5, 8', async () => {
      const length = 5003;
      const contributions = Array.from({ length: 8 }, (_, v) => fixtureInput(length, 300 + v));
      const [single] = InMemoryTransport.ring(1);
      const reference = sha256(
        await new RingCollective(single, { mode: 'deterministic' }).allReduceContributions(
          0,
          contributions,
        ),
      );
      for (const n of [1, 2, 3, 5, 8]) {
        const members = await startRing(n, 'deterministic');
        const outs = await Promise.all(
          members.map((m, r) => {
            const mine = contributions.filter((_, v) => v % n === r);
            return m.allReduceContributions(0, mine);
          }),
        );
        for (const o of outs) expect(sha256(o)).toBe(reference);
        await Promise.all(rings.map((r) => r.close()));
        await Promise.all(servers.map((s) => s.shutdown()));
        rings = [];
        servers = [];
      }
    });

    it('broadcasts 32 MiB from rank 2 of 4', async () => {
      const members = await startRing(4, 'fast');
      const data = new Uint8Array(32 << 20).map((_, i) => (i * 13) & 0xff);
      const outs = await Promise.all(
        members.map((m, r) => m.broadcast(0, 2, r === 2 ? data : undefined)),
      );
      for (const o of outs) expect(sha256(o)).toBe(sha256(data));
    });
  });

  describe('membership is enforced', () => {
    const refusedBy = async (members: Member[]): Promise<unknown[]> => {
      const ring = await startRing(2, 'fast', { members, floorMs: 1000 });
      const results = await Promise.allSettled(
        ring.map((m) => m.allReduce(0, new Float32Array(10))),
      );
      return results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined));
    };

    it('refuses a peer with a bad generation token', async () => {
      const [a, b] = await refusedBy([{ token: 'right' }, { token: 'wrong' }]);
      expect(a).toBeInstanceOf(MessageRefusedError);
      expect(b).toBeInstanceOf(MessageRefusedError);
      expect((a as MessageRefusedError).ranks).toEqual([1]);
    });

    it('refuses a peer from another job', async () => {
      const [a] = await refusedBy([{ job: 'mine' }, { job: 'theirs' }]);
      expect(a).toBeInstanceOf(MessageRefusedError);
      expect((a as MessageRefusedError).message).toContain('job');
    });

    it('refuses a member of an older generation', async () => {
      const [old, current] = await refusedBy([{ generation: 1 }, { generation: 2 }]);
      expect(old).toBeInstanceOf(MessageRefusedError);
      expect((old as MessageRefusedError).message).toContain('generation 1 is over');
      expect(current).toBeDefined();
    });
  });

  describe('mutual TLS', () => {
    it('members with certificates from the cluster CA all-reduce; a stranger is shut out', async () => {
      const { cluster, stranger } = certificates();
      const members = await startRing(3, 'fast', { tls: () => cluster });
      const data = members.map((_, r) => new Float32Array(100).fill(r + 1));
      await Promise.all(members.map((m, r) => m.allReduce(0, data[r])));
      expect(data[0][99]).toBe(6);
      if (dataPlane === 'tcp') {
        // The data port speaks TLS too: a valid plaintext hello gets no answer (a plaintext data
        // plane would admit it and keep the link open), only a TLS alert at most and the close.
        const socket = connect(servers[0].dataPort, '127.0.0.1');
        socket.write(
          encodeControlFrame('hello', { job: 'job', generation: 1, token: 'tok', rank: 1 }),
        );
        const received: Buffer[] = [];
        socket.on('data', (b: Buffer) => received.push(b));
        socket.on('error', () => undefined);
        await once(socket, 'close');
        const bytes = Buffer.concat(received);
        expect(bytes.length === 0 || bytes[0] === 0x15).toBe(true);
      }
      await Promise.all(rings.map((r) => r.close()));
      await Promise.all(servers.map((s) => s.shutdown()));

      const mixed = await startRing(2, 'fast', {
        tls: (r) => (r === 0 ? cluster : stranger),
        floorMs: 1000,
      });
      const results = await Promise.allSettled(
        mixed.map((m) => m.allReduce(0, new Float32Array(4))),
      );
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    });

    it('a peer whose certificate the same CA signed for another name is refused', async () => {
      // Workers dial pod IPs and check for the name every worker certificate carries; these
      // certificates name only 127.0.0.1 and localhost, so the check, not the CA, refuses them.
      const { cluster } = certificates();
      const members = await startRing(2, 'fast', {
        tls: () => ({ ...cluster, serverName: 'repvgg-worker' }),
        floorMs: 1000,
      });
      const results = await Promise.allSettled(
        members.map((m) => m.allReduce(0, new Float32Array(4))),
      );
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    });
  });
});

describe('gRPC data plane only', () => {
  it('spreads chunks over several connections per peer', async () => {
    const members = await loopbackRing('grpc', 3, 'fast', { connectionsPerPeer: 3 });
    const inputs = members.map((_, r) => fixtureInput(200_003, r));
    const data = inputs.map((x) => Float32Array.from(x));
    await Promise.all(members.map((m, r) => m.allReduce(0, data[r])));
    let worst = -Infinity;
    for (let i = 0; i < data[0].length; i++) {
      const exact = inputs[0][i] + inputs[1][i] + inputs[2][i];
      const magnitude = Math.abs(inputs[0][i]) + Math.abs(inputs[1][i]) + Math.abs(inputs[2][i]);
      worst = Math.max(worst, Math.abs(data[0][i] - exact) - 3 * 2 ** -23 * magnitude);
    }
    expect(worst).toBeLessThanOrEqual(0);
    expect(sha256(data[0])).toBe(sha256(data[2]));
  });
});
