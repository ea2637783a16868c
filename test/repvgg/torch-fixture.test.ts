import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countParams,
  decodeNpy,
  floatData,
  readSafetensors,
  reparameterize,
  resolveArch,
  validateStateDict,
} from '@repvgg/core';
import { forward, maxAbs, maxAbsDiff } from './naive-repvgg';

/**
 * Cross-check against PyTorch 1.13: test/fixtures/torch/make_fixture.py builds a tiny grouped
 * RepVGG from the official structure with wide random BN statistics, fuses it the official way and
 * saves weights (safetensors), an input and both models' logits (.npy).
 */
const DIR = join(__dirname, '../fixtures/torch');
const arch = resolveArch({ archFile: join(DIR, 'arch.json') });
const npy = (name: string): { shape: number[]; data: Float32Array } =>
  decodeNpy(readFileSync(join(DIR, name)));
const counts = JSON.parse(readFileSync(join(DIR, 'counts.json'), 'utf8')) as {
  trainParams: number;
  deployParams: number;
};

describe('PyTorch fixture', () => {
  it('has grouped layers with and without identity, with stride 1 and 2', () => {
    const grouped = arch.blocks.filter((b) => b.groups > 1);
    expect(grouped.map((b) => [b.prefix, b.groups, b.stride, b.hasIdentity])).toEqual([
      ['stage1.1', 2, 1, true],
      ['stage2.1', 4, 1, true],
      ['stage3.0', 2, 2, false],
    ]);
  });

  it('reads the torch state dicts: official keys, order, shapes and int64 counters', async () => {
    const train = (await readSafetensors(join(DIR, 'train.safetensors'))).tensors;
    expect([...validateStateDict(arch, train, 'train').keys()]).toEqual([...train.keys()]);
    expect(train.get('stage2.1.rbr_identity.num_batches_tracked')).toEqual({
      dtype: 'int64',
      shape: [],
      data: new BigInt64Array([7n]),
    });
    const deploy = await readSafetensors(join(DIR, 'deploy.safetensors'));
    expect(deploy.metadata.format).toBe('pt');
    expect([...validateStateDict(arch, deploy.tensors, 'deploy').keys()]).toEqual([
      ...deploy.tensors.keys(),
    ]);
  });

  it('counts the parameters PyTorch counts', () => {
    expect(countParams(arch, 'train')).toBe(counts.trainParams);
    expect(countParams(arch, 'deploy')).toBe(counts.deployParams);
  });

  it('reparameterize reproduces the torch-fused weights within 1e-5', async () => {
    const train = (await readSafetensors(join(DIR, 'train.safetensors'))).tensors;
    const expected = (await readSafetensors(join(DIR, 'deploy.safetensors'))).tensors;
    const fused = reparameterize(arch, train);
    expect([...fused.keys()]).toEqual([...expected.keys()]);
    let worst = 0;
    for (const key of expected.keys()) {
      worst = Math.max(worst, maxAbsDiff(floatData(fused, key), floatData(expected, key)));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('the float64 reference forward gives the torch logits for both models', async () => {
    const train = (await readSafetensors(join(DIR, 'train.safetensors'))).tensors;
    const input = npy('input.npy');
    expect(input.shape).toEqual([2, 3, 32, 32]);
    const x = {
      shape: input.shape as [number, number, number, number],
      data: Float64Array.from(input.data),
    };
    const torchLogits = npy('logits.npy');
    expect(torchLogits.shape).toEqual([2, 10]);
    const torchDeploy = npy('deploy_logits.npy');
    const bound = 1e-5 * maxAbs(torchLogits.data);
    expect(maxAbs(torchLogits.data)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(forward(arch, train, x, 'train'), torchLogits.data)).toBeLessThanOrEqual(
      bound,
    );
    const ours = forward(arch, reparameterize(arch, train), x, 'deploy');
    expect(maxAbsDiff(ours, torchDeploy.data)).toBeLessThanOrEqual(bound);
  });
});
