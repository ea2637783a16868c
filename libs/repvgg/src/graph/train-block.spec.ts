import { beforeAll, describe, expect, it } from 'vitest';
import { expandArch, type BlockSpec } from '../arch/arch-spec';
import { initBackend } from '../compute/backend';
import { tf } from '../compute/tf';
import { maxAbsDiff, randomImages } from '../testing/wide-bn-stats';
import { initStateDict } from '../weights/init';
import { disposeTrainBlock, loadTrainBlock, trainBlockForward } from './train-block';

/** stage1.0: 4→8 stride 2; stage1.1: 8→8 stride 1, identity, groups 2; stage2.0: 8→16 groups 4. */
const ARCH = expandArch({
  name: 'blocks',
  numBlocks: [2, 1, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: { 2: 2, 3: 4 },
  numClasses: 3,
});
const SD = initStateDict(ARCH, 11);

function blockSpec(prefix: string): BlockSpec {
  const spec = ARCH.blocks.find((b) => b.prefix === prefix);
  if (spec === undefined) throw new Error(`no block ${prefix}`);
  return spec;
}

/** Gradients of Σ block(x)·w w.r.t. x and every block variable, on one backend. */
async function blockGrads(backend: string, spec: BlockSpec): Promise<Map<string, Float32Array>> {
  await tf.setBackend(backend);
  const block = loadTrainBlock(SD, spec);
  const shape: [number, number, number, number] = [4, 9, 8, spec.inChannels];
  const x = tf.tensor4d(randomImages(shape, 12), shape);
  const params = [
    block.dense.weight,
    block.oneByOne.weight,
    block.dense.bn.gamma,
    block.dense.bn.beta,
  ];
  if (block.identity) params.push(block.identity.gamma, block.identity.beta);
  const grads = tf.grads((...args: tf.Tensor[]) => {
    const y = trainBlockForward(args[0] as tf.Tensor4D, block, () => undefined);
    const w = tf.linspace(-1, 1, y.size).reshape(y.shape);
    return tf.sum(tf.mul(y, w));
  })([x, ...params]);
  const names = ['x', 'dense', '1x1', 'dense.gamma', 'dense.beta', 'id.gamma', 'id.beta'];
  const out = new Map(grads.map((g, i) => [names[i] ?? String(i), g.dataSync() as Float32Array]));
  tf.dispose([x, ...grads]);
  disposeTrainBlock(block);
  return out;
}

describe('a training block on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });

  it('builds the blocks it claims to test', () => {
    expect(blockSpec('stage1.1')).toMatchObject({ stride: 1, groups: 2, hasIdentity: true });
    expect(blockSpec('stage2.0')).toMatchObject({ stride: 2, groups: 4, hasIdentity: false });
  });

  const cases: [string, BlockSpec][] = [
    ['stride 2, no identity', blockSpec('stage1.0')],
    ['stride 1 with identity, groups 2', blockSpec('stage1.1')],
    ['stride 2, groups 4', blockSpec('stage2.0')],
  ];
  for (const [name, spec] of cases) {
    it(`has the cpu backend's gradients within 1e-5 relative: ${name}`, async () => {
      const cpu = await blockGrads('cpu', spec);
      const wasm = await blockGrads('wasm', spec);
      expect([...wasm.keys()]).toEqual([...cpu.keys()]);
      for (const [key, g] of cpu) {
        const { diff, scale } = maxAbsDiff(wasm.get(key) ?? [], g);
        expect(scale, key).toBeGreaterThan(0);
        expect(diff / scale, key).toBeLessThan(1e-5);
      }
    });
  }
});
