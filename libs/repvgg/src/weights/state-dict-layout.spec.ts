import { describe, expect, it } from 'vitest';
import { resolveArch } from '../arch/resolve-arch';
import { f32, type StateDict } from '../tensor/host-tensor';
import { initStateDict } from './init';
import { detectStateDictKind, expectedShapes, validateStateDict } from './state-dict-layout';
import { StateDictMismatchError, UnknownStateDictKindError } from './state-dict.error';

const arch = resolveArch({ arch: 'A0' }, { numClasses: 10 });

function mismatch(sd: StateDict, kind: 'train' | 'deploy' = 'train'): StateDictMismatchError {
  try {
    validateStateDict(arch, sd, kind);
  } catch (e) {
    if (e instanceof StateDictMismatchError) return e;
    throw e;
  }
  throw new Error('expected StateDictMismatchError');
}

describe('expectedShapes', () => {
  it('lists the official training keys in state_dict() order', () => {
    const keys = [...expectedShapes(arch, 'train').keys()];
    expect(keys.slice(0, 12)).toEqual([
      'stage0.rbr_dense.conv.weight',
      'stage0.rbr_dense.bn.weight',
      'stage0.rbr_dense.bn.bias',
      'stage0.rbr_dense.bn.running_mean',
      'stage0.rbr_dense.bn.running_var',
      'stage0.rbr_dense.bn.num_batches_tracked',
      'stage0.rbr_1x1.conv.weight',
      'stage0.rbr_1x1.bn.weight',
      'stage0.rbr_1x1.bn.bias',
      'stage0.rbr_1x1.bn.running_mean',
      'stage0.rbr_1x1.bn.running_var',
      'stage0.rbr_1x1.bn.num_batches_tracked',
    ]);
    // The official block registers rbr_identity before rbr_dense.
    const s11 = keys.filter((k) => k.startsWith('stage1.1.'));
    expect(s11[0]).toBe('stage1.1.rbr_identity.weight');
    expect(s11[5]).toBe('stage1.1.rbr_dense.conv.weight');
    expect(keys.slice(-2)).toEqual(['linear.weight', 'linear.bias']);
    // 22 blocks × 12 keys + 17 identity branches × 5 + linear 2.
    expect(keys).toHaveLength(22 * 12 + 17 * 5 + 2);
  });

  it('gives OIHW shapes, grouped kernels and scalar counters', () => {
    const shapes = expectedShapes(resolveArch({ arch: 'B1g4' }), 'train');
    expect(shapes.get('stage0.rbr_dense.conv.weight')).toEqual([64, 3, 3, 3]);
    expect(shapes.get('stage1.1.rbr_dense.conv.weight')).toEqual([128, 32, 3, 3]);
    expect(shapes.get('stage1.1.rbr_1x1.conv.weight')).toEqual([128, 32, 1, 1]);
    expect(shapes.get('stage1.1.rbr_identity.running_var')).toEqual([128]);
    expect(shapes.get('stage1.0.rbr_dense.bn.num_batches_tracked')).toEqual([]);
    expect(shapes.get('linear.weight')).toEqual([1000, 2048]);
  });

  it('lists the deploy keys', () => {
    const shapes = expectedShapes(resolveArch({ arch: 'B1g2' }), 'deploy');
    expect([...shapes.keys()].slice(0, 4)).toEqual([
      'stage0.rbr_reparam.weight',
      'stage0.rbr_reparam.bias',
      'stage1.0.rbr_reparam.weight',
      'stage1.0.rbr_reparam.bias',
    ]);
    expect(shapes.get('stage2.3.rbr_reparam.weight')).toEqual([256, 128, 3, 3]);
    expect(shapes.size).toBe(28 * 2 + 2);
  });
});

describe('validateStateDict', () => {
  const good = initStateDict(arch, 3);

  it('accepts a matching dict and returns it in official order with the same tensors', () => {
    const reversed = new Map([...good].reverse());
    const out = validateStateDict(arch, reversed, 'train');
    expect([...out.keys()]).toEqual([...good.keys()]);
    expect(out.get('linear.weight')).toBe(good.get('linear.weight'));
  });

  it('strips a DistributedDataParallel module. prefix', () => {
    const ddp = new Map([...good].map(([k, t]) => [`module.${k}`, t]));
    expect([...validateStateDict(arch, ddp, 'train').keys()]).toEqual([...good.keys()]);
  });

  it('fills a missing num_batches_tracked with 0 as PyTorch does', () => {
    const old = new Map([...good].filter(([k]) => !k.endsWith('num_batches_tracked')));
    const t = validateStateDict(arch, old, 'train').get('stage0.rbr_dense.bn.num_batches_tracked');
    expect(t).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array([0n]) });
  });

  it('names missing, extra and mis-shaped keys with expected and actual shapes', () => {
    const sd = new Map(good);
    sd.delete('stage2.3.rbr_1x1.conv.weight');
    sd.set('stage9.0.rbr_dense.conv.weight', f32([1]));
    sd.set('stage1.0.rbr_dense.bn.weight', f32([3]));
    const err = mismatch(sd);
    expect(err.missing).toEqual(['stage2.3.rbr_1x1.conv.weight']);
    expect(err.extra).toEqual(['stage9.0.rbr_dense.conv.weight']);
    expect(err.misShaped).toEqual([
      { key: 'stage1.0.rbr_dense.bn.weight', expected: 'float32 [48]', actual: 'float32 [3]' },
    ]);
    expect(err.message).toContain('RepVGG-A0');
    expect(err.message).toContain(
      'stage1.0.rbr_dense.bn.weight: expected float32 [48], got float32 [3]',
    );
  });

  it('lists at most 5 keys of each kind and counts the rest', () => {
    const sd = new Map([...good].filter(([k]) => !k.startsWith('stage3.')));
    const err = mismatch(sd);
    expect(err.missing.length).toBeGreaterThan(5);
    expect(err.message).toContain(`${err.missing.length} keys missing`);
    expect(err.message).toContain(`… ${err.missing.length - 5} more`);
    expect(err.message).not.toContain(err.missing[5]);
  });

  it('rejects a wrong dtype', () => {
    const sd = new Map(good);
    sd.set('stage0.rbr_1x1.bn.num_batches_tracked', f32([]));
    expect(mismatch(sd).misShaped[0]).toMatchObject({ expected: 'int64 []', actual: 'float32 []' });
  });

  it('hints at --classes when only the classifier differs', () => {
    const other = initStateDict(resolveArch({ arch: 'A0' }, { numClasses: 1000 }), 3);
    expect(mismatch(other).message).toMatch(/--classes/);
  });

  it('hints when a deploy checkpoint is given for training and vice versa', () => {
    const deploy = new Map([...expectedShapes(arch, 'deploy')].map(([k, s]) => [k, f32(s)]));
    expect(validateStateDict(arch, deploy, 'deploy').size).toBe(deploy.size);
    expect(mismatch(deploy, 'train').message).toMatch(/fused deploy checkpoint/);
    expect(mismatch(good, 'deploy').message).toMatch(/re-parameterize it first/);
  });
});

describe('detectStateDictKind', () => {
  it('tells training from deploy dicts, with or without module.', () => {
    expect(detectStateDictKind(initStateDict(arch, 0))).toBe('train');
    expect(detectStateDictKind(new Map([['module.stage0.rbr_reparam.weight', f32([1])]]))).toBe(
      'deploy',
    );
    expect(() => detectStateDictKind(new Map([['fc.weight', f32([1])]]))).toThrow(
      UnknownStateDictKindError,
    );
  });
});
