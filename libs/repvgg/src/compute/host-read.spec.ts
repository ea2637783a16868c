import { describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { floatCopy, floatView } from './host-read';
import { tf } from './tf';

const VALUES = [1.5, -2.25, 3, 0.125, -0];

describe.each(['cpu', 'wasm'])('reading a tensor back on %s', (backend) => {
  it('floatCopy gives the values in an array the tensor does not share', async () => {
    await initBackend(backend, { log: () => undefined });
    const t = tf.tensor1d(VALUES);
    const copy = floatCopy(t);
    expect([...copy]).toEqual(VALUES);
    copy.fill(7);
    // on cpu dataSync() hands out the backend's own array: a copy that were not one would show here
    expect([...(t.dataSync() as Float32Array)]).toEqual(VALUES);
    t.dispose();
  });

  it('floatView gives the values; on wasm as a view of the heap', async () => {
    await initBackend(backend, { log: () => undefined });
    const t = tf.tensor1d(VALUES);
    const view = floatView(t);
    expect([...view]).toEqual(VALUES);
    if (backend === 'wasm') {
      // the module's heap, which tfjs-backend-wasm's types leave out
      const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
      expect(view.buffer).toBe(heap);
      expect(floatCopy(t).buffer).not.toBe(heap);
    }
    t.dispose();
  });

  it('refuses tensors that are not float32', async () => {
    await initBackend(backend, { log: () => undefined });
    const t = tf.tensor1d([1, 2], 'int32');
    expect(() => floatCopy(t)).toThrow(/float32/);
    expect(() => floatView(t)).toThrow(/float32/);
    t.dispose();
  });
});
