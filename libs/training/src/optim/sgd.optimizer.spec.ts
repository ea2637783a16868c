import { describe, it, expect } from 'vitest';
import { SgdOptimizer, MissingGradientError } from './sgd.optimizer';
import { takesWeightDecay } from './weight-decay.policy';
import { clipGradNorm } from './clip-grad-norm';

const one = (v: number): Float32Array => Float32Array.of(v);

describe('takesWeightDecay', () => {
  it('follows the official exclusions', () => {
    expect(takesWeightDecay('stage1.0.rbr_dense.conv.weight')).toBe(true);
    expect(takesWeightDecay('stage1.0.rbr_1x1.conv.weight')).toBe(true);
    expect(takesWeightDecay('linear.weight')).toBe(true);
    expect(takesWeightDecay('stage1.1.rbr_identity.weight')).toBe(true);
    expect(takesWeightDecay('stage1.1.rbr_identity.bias')).toBe(false);
    expect(takesWeightDecay('stage1.0.rbr_dense.bn.weight')).toBe(false);
    expect(takesWeightDecay('stage1.0.rbr_1x1.bn.bias')).toBe(false);
    expect(takesWeightDecay('linear.bias')).toBe(false);
  });
});

describe('SgdOptimizer', () => {
  it('applies momentum and decay as PyTorch does (hand-computed)', () => {
    const opt = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.1, nesterov: false });
    const params = new Map([
      ['linear.weight', one(1)],
      ['linear.bias', one(1)],
    ]);
    const grads = new Map([
      ['linear.weight', one(0.5)],
      ['linear.bias', one(0.5)],
    ]);
    opt.step(params, grads, 0.1);
    // weight: d = 0.5 + 0.1·1 = 0.6, buf = 0.6, p = 1 − 0.06 = 0.94; bias: no decay, p = 0.95
    expect(params.get('linear.weight')?.[0]).toBeCloseTo(0.94, 6);
    expect(params.get('linear.bias')?.[0]).toBeCloseTo(0.95, 6);
    opt.step(params, grads, 0.1);
    // weight: d = 0.5 + 0.094 = 0.594, buf = 0.54 + 0.594 = 1.134, p = 0.94 − 0.1134 = 0.8266
    expect(params.get('linear.weight')?.[0]).toBeCloseTo(0.8266, 6);
    // bias: buf = 0.45 + 0.5 = 0.95, p = 0.95 − 0.095 = 0.855
    expect(params.get('linear.bias')?.[0]).toBeCloseTo(0.855, 6);
    expect(opt.state().get('linear.bias')?.[0]).toBeCloseTo(0.95, 6);
  });

  it('uses g + m·buf with Nesterov', () => {
    const opt = new SgdOptimizer({ momentum: 0.9, weightDecay: 0, nesterov: true });
    const params = new Map([['linear.bias', one(1)]]);
    const grads = new Map([['linear.bias', one(1)]]);
    opt.step(params, grads, 0.1);
    // buf = 1, update = 1 + 0.9 = 1.9
    expect(params.get('linear.bias')?.[0]).toBeCloseTo(0.81, 6);
    opt.step(params, grads, 0.1);
    // buf = 1.9, update = 1 + 1.71 = 2.71
    expect(params.get('linear.bias')?.[0]).toBeCloseTo(0.81 - 0.271, 6);
  });

  it('restores its buffers exactly', () => {
    const a = new SgdOptimizer({ momentum: 0.9, weightDecay: 1e-4, nesterov: false });
    const pa = new Map([['w', Float32Array.of(0.3, -0.7)]]);
    const g = new Map([['w', Float32Array.of(0.11, 0.13)]]);
    a.step(pa, g, 0.05);
    const b = new SgdOptimizer(a.config);
    b.loadState(a.state());
    const pb = new Map([['w', Float32Array.from(pa.get('w') ?? [])]]);
    a.step(pa, g, 0.05);
    b.step(pb, g, 0.05);
    expect(pb.get('w')).toEqual(pa.get('w'));
  });

  it('refuses a packet without a gradient for a parameter', () => {
    const opt = new SgdOptimizer({ momentum: 0.9, weightDecay: 0, nesterov: false });
    expect(() => {
      opt.step(new Map([['w', one(1)]]), new Map(), 0.1);
    }).toThrow(MissingGradientError);
  });
});

describe('clipGradNorm', () => {
  it('scales to the max norm and returns the original norm', () => {
    const grads = new Map([
      ['a', Float32Array.of(3)],
      ['b', Float32Array.of(4)],
    ]);
    expect(clipGradNorm(grads, 1)).toBeCloseTo(5, 6);
    expect(grads.get('a')?.[0]).toBeCloseTo(0.6, 5);
    expect(grads.get('b')?.[0]).toBeCloseTo(0.8, 5);
  });

  it('leaves small gradients alone', () => {
    const grads = new Map([['a', Float32Array.of(0.3)]]);
    clipGradNorm(grads, 1);
    expect(grads.get('a')?.[0]).toBeCloseTo(0.3, 7);
  });
});
