import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32, type StateDict } from '../tensor/host-tensor';
import { SafetensorsFormatError } from './safetensors.error';
import { readSafetensors, writeSafetensors } from './safetensors.file';

describe('safetensors files', () => {
  const sd: StateDict = new Map([
    ['a', f32([2, 2], new Float32Array([1, 2, 3, 4]))],
    ['n', { dtype: 'int64', shape: [], data: new BigInt64Array([5n]) }],
  ]);

  it('writes atomically (no temporary left behind) and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, sd, { step: '3' });
    await writeSafetensors(path, sd, { step: '4' });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ step: '4' });
    expect(back.tensors).toEqual(sd);
  });

  it('names the path in format errors and leaves no temporary on a failed write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, Buffer.from([1, 2, 3]));
    const err = await readSafetensors(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsFormatError);
    expect((err as Error).message).toMatch(/bad\.safetensors: truncated/);
    await expect(
      writeSafetensors(join(dir, 'x.safetensors'), new Map([['__metadata__', f32([1])]])),
    ).rejects.toThrow(SafetensorsFormatError);
    expect(await readdir(dir)).toEqual(['bad.safetensors']);
  });
});
