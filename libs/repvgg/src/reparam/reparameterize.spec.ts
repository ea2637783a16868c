import { describe, expect, it } from 'vitest';
import {
  deployBlock,
  forward,
  maxAbs,
  maxAbsDiff,
  randomInput,
  trainBlock,
} from '../../../../test/repvgg/naive-repvgg';
import { expandArch } from '../arch/arch-spec';
import { parseArchSpecJson } from '../arch/resolve-arch';
import { f32, floatData, type StateDict } from '../tensor/host-tensor';
import { withWideBnStats } from '../testing/wide-bn-stats';
import { initStateDict } from '../weights/init';
import { expectedShapes } from '../weights/state-dict-layout';
import { StateDictMismatchError } from '../weights/state-dict.error';
import { BN_EPS, reparameterize } from './reparameterize';

// stage1.0 (layer 1) is grouped with stride 2; stage1.1 (layer 2) grouped with an identity branch.
const arch = expandArch(
  parseArchSpecJson(
    JSON.stringify({
      numBlocks: [2, 2, 1, 1],
      widthMultiplier: [0.25, 0.125, 0.125, 0.125],
      overrideGroupsMap: { '1': 2, '2': 4 },
      numClasses: 5,
    }),
    'tiny-grouped',
  ),
);
const trainSd = withWideBnStats(initStateDict(arch, 5), 6);
const deploySd = reparameterize(arch, trainSd);

function block(prefix: string): (typeof arch.blocks)[number] {
  return arch.blocks.find((b) => b.prefix === prefix)!;
}

function mapBn(
  sd: StateDict,
  values: Partial<Record<string, number>>,
  zeroConvs: boolean,
): StateDict {
  const out: StateDict = new Map();
  for (const [k, t] of sd) {
    const field = k.slice(k.lastIndexOf('.') + 1);
    const v = values[field];
    const isBn = k.includes('.bn.') || k.includes('.rbr_identity.');
    if (isBn && t.dtype === 'float32' && v !== undefined) {
      out.set(k, f32(t.shape, new Float32Array(t.data.length).fill(v)));
    } else if (zeroConvs && k.endsWith('.conv.weight')) {
      out.set(k, f32(t.shape));
    } else {
      out.set(k, t);
    }
  }
  return out;
}

describe('reparameterize', () => {
  it('uses the official deploy keys and shapes, in order', () => {
    const expected = expectedShapes(arch, 'deploy');
    expect([...deploySd.keys()]).toEqual([...expected.keys()]);
    for (const [k, t] of deploySd) expect(t.shape).toEqual(expected.get(k));
    expect(floatData(deploySd, 'linear.weight')).toEqual(floatData(trainSd, 'linear.weight'));
  });

  it.each([
    ['stage1.0', 'grouped (g=2), stride 2', 9],
    ['stage1.0', 'grouped (g=2), stride 2, even input', 8],
    ['stage1.1', 'grouped (g=4), stride 1 with identity', 7],
    ['stage2.1', 'ungrouped, stride 1 with identity', 5],
  ])('%s (%s): fused block equals the multi-branch block', (prefix, _, size) => {
    const b = block(prefix);
    expect(b.groups > 1 || b.hasIdentity).toBe(true);
    const x = randomInput([2, b.inChannels, size, size], 7);
    const yTrain = trainBlock(x, b, trainSd);
    const yDeploy = deployBlock(x, b, deploySd);
    expect(yDeploy.shape).toEqual(yTrain.shape);
    expect(maxAbs(yTrain.data)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(yTrain.data, yDeploy.data)).toBeLessThanOrEqual(1e-5 * maxAbs(yTrain.data));
  });

  it('the fused network gives the multi-branch logits (BN in inference mode)', () => {
    const x = randomInput([2, 3, 16, 16], 8);
    const yTrain = forward(arch, trainSd, x, 'train');
    const yDeploy = forward(arch, deploySd, x, 'deploy');
    expect(maxAbsDiff(yTrain, yDeploy)).toBeLessThanOrEqual(1e-5 * maxAbs(yTrain));
  });

  it('places the grouped identity at [i, i mod (Cin/g), 1, 1] and folds its BN', () => {
    const sd = mapBn(trainSd, { weight: 2, bias: 0.5, running_mean: 0.25, running_var: 3 }, true);
    const out = reparameterize(arch, sd);
    const b = block('stage1.1'); // 16 → 16, g=4: Cin/g = 4
    const k = floatData(out, 'stage1.1.rbr_reparam.weight');
    const t = 2 / Math.sqrt(3 + BN_EPS);
    const nonZero: string[] = [];
    k.forEach((v, idx) => {
      if (v !== 0) {
        nonZero.push(`${Math.floor(idx / 36)},${Math.floor(idx / 9) % 4},${idx % 9}`);
        expect(v).toBeCloseTo(t, 6);
      }
    });
    expect(nonZero).toEqual(Array.from({ length: b.outChannels }, (_, i) => `${i},${i % 4},4`));
    // Three branches each contribute β − μ·t.
    for (const v of floatData(out, 'stage1.1.rbr_reparam.bias')) {
      expect(v).toBeCloseTo(3 * (0.5 - 0.25 * t), 6);
    }
  });

  it('puts the 1×1 kernel at the centre of the 3×3', () => {
    const sd = new Map(trainSd);
    const dense = sd.get('stage1.0.rbr_dense.conv.weight')!;
    sd.set('stage1.0.rbr_dense.conv.weight', f32(dense.shape));
    const out = floatData(reparameterize(arch, sd), 'stage1.0.rbr_reparam.weight');
    const w1 = floatData(sd, 'stage1.0.rbr_1x1.conv.weight');
    const gamma = floatData(sd, 'stage1.0.rbr_1x1.bn.weight');
    const variance = floatData(sd, 'stage1.0.rbr_1x1.bn.running_var');
    const perOut = w1.length / gamma.length;
    out.forEach((v, idx) => {
      if (idx % 9 !== 4) {
        expect(v).toBe(0);
      } else {
        const j = Math.floor(idx / 9);
        const o = Math.floor(j / perOut);
        expect(v).toBeCloseTo(w1[j] * (gamma[o] / Math.sqrt(variance[o] + BN_EPS)), 6);
      }
    });
  });

  it('is pure and accepts a module. prefix', () => {
    const before = Float32Array.from(floatData(trainSd, 'stage1.1.rbr_identity.weight'));
    const ddp = new Map([...trainSd].map(([k, t]) => [`module.${k}`, t]));
    const again = reparameterize(arch, ddp);
    expect(floatData(trainSd, 'stage1.1.rbr_identity.weight')).toEqual(before);
    expect(again).toEqual(deploySd);
    expect(again.get('linear.bias')!.data).not.toBe(trainSd.get('linear.bias')!.data);
  });

  it('refuses a deploy state dict', () => {
    expect(() => reparameterize(arch, deploySd)).toThrow(StateDictMismatchError);
  });
});
