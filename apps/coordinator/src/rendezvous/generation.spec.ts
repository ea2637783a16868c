import { describe, it, expect } from 'vitest';
import { formGeneration, ringOrder, splitReplicas } from './generation';

const c = (workerId: string, completedSteps = 0) => ({
  workerId,
  address: `${workerId}:1`,
  completedSteps,
});

describe('ringOrder', () => {
  it('keeps the previous order and appends newcomers', () => {
    expect(ringOrder([c('n'), c('b'), c('a')], ['a', 'b']).map((x) => x.workerId)).toEqual([
      'a',
      'b',
      'n',
    ]);
  });

  it('puts the most advanced member first', () => {
    expect(ringOrder([c('a', 3), c('b', 7), c('n')], ['a', 'b']).map((x) => x.workerId)).toEqual([
      'b',
      'a',
      'n',
    ]);
  });
});

describe('splitReplicas', () => {
  it('covers every replica exactly once, contiguously', () => {
    expect(splitReplicas(8, 3)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(splitReplicas(8, 1)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
  });
});

describe('formGeneration', () => {
  it('ranks members in ring order with the leader at rank 0', () => {
    const g = formGeneration('j', 4, 't', [c('a', 1), c('b', 2)], ['a', 'b'], 4);
    expect(g).toEqual({
      jobId: 'j',
      number: 4,
      token: 't',
      leaderId: 'b',
      members: [
        { workerId: 'b', address: 'b:1', rank: 0, replicas: [0, 1] },
        { workerId: 'a', address: 'a:1', rank: 1, replicas: [2, 3] },
      ],
    });
  });
});
