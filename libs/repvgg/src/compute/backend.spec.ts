import { afterEach, describe, expect, it } from 'vitest';
import { initBackend, nativeBindingPresent } from './backend';
import { BackendUnavailableError, UnknownBackendError } from './backend.error';
import { tf } from './tf';

/** npm may install the native packages without their binary: then they do not count. */
const nativeLoadable = (): boolean =>
  ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some(nativeBindingPresent);

describe('initBackend', () => {
  const saved = process.env.REPVGG_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.REPVGG_BACKEND;
    else process.env.REPVGG_BACKEND = saved;
  });

  it('makes wasm really active and registers our kernels on it', async () => {
    const info = await initBackend('wasm', { log: () => undefined });
    expect(info).toEqual({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('reads REPVGG_BACKEND when no backend is requested', async () => {
    process.env.REPVGG_BACKEND = 'cpu';
    const info = await initBackend(undefined, { log: () => undefined });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown REPVGG_BACKEND value with a message naming the valid ones', async () => {
    process.env.REPVGG_BACKEND = 'cuda';
    const attempt = initBackend(undefined, { log: () => undefined });
    await expect(attempt).rejects.toBeInstanceOf(UnknownBackendError);
    await expect(attempt).rejects.toThrow(/"cuda".*tensorflow, wasm or cpu/);
  });

  it('activates tensorflow only if a native package loads, else says it is unavailable', async () => {
    const attempt = initBackend('tensorflow', { log: () => undefined });
    if (nativeLoadable()) {
      expect((await attempt).name).toBe('tensorflow');
    } else {
      await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(attempt).rejects.toThrow(/tfjs-node-gpu.*tfjs-node.*REPVGG_BACKEND=wasm/);
    }
  });

  it('chooses automatically: native if it loads, else wasm', async () => {
    delete process.env.REPVGG_BACKEND;
    const info = await initBackend(undefined, { log: () => undefined });
    expect(info.name).toBe(nativeLoadable() ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(info.name);
  });

  it('logs the chosen backend once, not on every call', async () => {
    await initBackend('cpu', { log: () => undefined });
    const lines: string[] = [];
    await initBackend('wasm', { log: (l) => lines.push(l) });
    await initBackend('wasm', { log: (l) => lines.push(l) });
    expect(lines).toEqual(['compute backend: wasm (@tensorflow/tfjs-backend-wasm)']);
  });
});
