import { describe, expect, it } from 'vitest';
import { InMemoryTransport } from './in-memory.transport';
import type { PeerTransport } from './peer-transport';
import { RingCollective } from './ring-collective';

/** `transport` with every payload it sends counted (the bytes a real one puts on the wire). */
function counting(transport: PeerTransport, sent: { bytes: number }): PeerTransport {
  return new Proxy(transport, {
    get(target, key, receiver) {
      if (key === 'send') {
        const send: PeerTransport['send'] = (to, address, payload, timeoutMs) => {
          sent.bytes += payload.byteLength;
          return target.send(to, address, payload, timeoutMs);
        };
        return send;
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

async function wireBytes(fp16Wire: boolean, elements: number): Promise<number> {
  const sent = { bytes: 0 };
  const members = InMemoryTransport.ring(3).map(
    (t) => new RingCollective(counting(t, sent), { mode: 'fast', fp16Wire, chunkBytes: 4096 }),
  );
  const buffers = members.map((_, r) => Float32Array.from({ length: elements }, (_, i) => r + i));
  await Promise.all(members.map((m, r) => m.allReduce(3, buffers[r] ?? new Float32Array())));
  return sent.bytes;
}

describe("the job spec's wire: 'fp16' (RingCollective fp16Wire)", () => {
  it('halves the bytes an all-reduce sends', async () => {
    const elements = 30_000;
    const fp32 = await wireBytes(false, elements);
    const fp16 = await wireBytes(true, elements);
    // a ring all-reduce sends 2·(N−1)/N of the buffer per member: 3 members × 4/3 × 4 bytes each
    expect(fp32).toBe(3 * ((2 * 2) / 3) * elements * 4);
    expect(fp16).toBe(fp32 / 2);
  });
});
