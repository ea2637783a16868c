import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, readSafetensors } from '@repvgg/core';
import { loadLatestCheckpoint } from '@repvgg/training';
import { writeTinyIdx } from '../training/tiny-idx.fixture';
import { ensureBuilt, runCli } from './cli-harness';
import { randomNpy, tempDir } from './cli-fixtures';

/**
 * The CLI's checkpoint inputs take PyTorch .pth files by content: test/fixtures/torch/
 * repvgg-micro.pth is `torch.save(model.state_dict())` of an official-structure RepVGG written by
 * Debian's python3-torch, repvgg-micro.safetensors the same weights (make_pth.py).
 */
const FIXTURES = join(__dirname, '../fixtures/torch');
const PTH = join(FIXTURES, 'repvgg-micro.pth');
const SAFETENSORS = join(FIXTURES, 'repvgg-micro.safetensors');
const ARCH = join(FIXTURES, 'repvgg-micro.arch.json');

describe('repvgg with a PyTorch .pth checkpoint', () => {
  const dir = tempDir();

  beforeAll(() => {
    ensureBuilt();
  });

  it('convert --in x.pth writes the same deploy weights as the safetensors copy', async () => {
    const convert = (input: string, out: string) =>
      runCli(['--backend', 'cpu', 'convert', '--arch-file', ARCH, '--in', input, '--out', out]);
    const fromPth = convert(PTH, join(dir, 'bundle-pth'));
    expect(fromPth.code, fromPth.stderr).toBe(0);
    expect(fromPth.stderr).toMatch(/from .*repvgg-micro\.pth/);
    expect(convert(SAFETENSORS, join(dir, 'bundle-st')).code).toBe(0);
    const a = (await readSafetensors(join(dir, 'bundle-pth', 'model.safetensors'))).tensors;
    const b = (await readSafetensors(join(dir, 'bundle-st', 'model.safetensors'))).tensors;
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [key, t] of a) expect(b.get(key), key).toEqual(t);
  });

  it('infer --model x.pth gives the logits of the safetensors copy', () => {
    const x = join(dir, 'x.npy');
    randomNpy(x, [2, 3, 16, 16], 3);
    const infer = (model: string, out: string) =>
      runCli([
        '--backend',
        'cpu',
        'infer',
        '--arch-file',
        ARCH,
        '--model',
        model,
        '--input',
        x,
        '--output',
        out,
      ]);
    const fromPth = infer(PTH, join(dir, 'y-pth.npy'));
    expect(fromPth.code, fromPth.stderr).toBe(0);
    expect(infer(SAFETENSORS, join(dir, 'y-st.npy')).code).toBe(0);
    const a = decodeNpy(readFileSync(join(dir, 'y-pth.npy')));
    expect(a.shape).toEqual([2, 10]);
    expect(a.data).toEqual(decodeNpy(readFileSync(join(dir, 'y-st.npy'))).data);
  });

  it('train --init-from x.pth fine-tunes from its weights with a re-initialized head', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    await writeTinyIdx(data, { train: 16, test: 8, size: 12, classes: 3, seed: 4 });
    const out = join(dir, 'tuned');
    const r = runCli([
      '--backend',
      'cpu',
      'train',
      '--data',
      data,
      '--arch-file',
      ARCH,
      '--init-from',
      PTH,
      '--image-size',
      '12',
      '--epochs',
      '1',
      '--batch',
      '8',
      '--replicas',
      '1',
      '--threads',
      '0',
      '--lr',
      '1e-7',
      '--weight-decay',
      '0',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const tuned = (await loadLatestCheckpoint(join(out, 'checkpoints')))?.weights;
    const pth = (await readSafetensors(SAFETENSORS)).tensors;
    expect(tuned?.get('linear.weight')?.shape).toEqual([3, 4]);
    const before = pth.get('stage3.0.rbr_dense.conv.weight')?.data as Float32Array;
    const after = tuned?.get('stage3.0.rbr_dense.conv.weight')?.data as Float32Array;
    expect(after).toHaveLength(before.length);
    after.forEach((v, i) => {
      expect(v).toBeCloseTo(before[i] ?? Number.NaN, 5);
    });
  });
});
