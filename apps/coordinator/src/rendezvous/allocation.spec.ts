import { describe, it, expect } from 'vitest';
import { allocateWorkers, type AllocationJob } from './allocation';

const job = (id: string, priority: number, min: number, max: number, t = 0): AllocationJob => ({
  id,
  priority,
  min,
  max,
  createdAt: new Date(t).toISOString(),
});
const asObject = (m: Map<string, string[]>): Record<string, string[]> => Object.fromEntries(m);

describe('allocateWorkers', () => {
  it('gives the higher priority job its maximum first', () => {
    const r = allocateWorkers(['a', 'b', 'c', 'd'], new Map(), [
      job('lo', 0, 1, 4),
      job('hi', 5, 1, 2),
    ]);
    expect(asObject(r)).toEqual({ hi: ['a', 'b'], lo: ['c', 'd'] });
  });

  it('gives every job its minimum before any job gets extras', () => {
    const r = allocateWorkers(['a', 'b', 'c'], new Map(), [job('hi', 5, 1, 3), job('lo', 0, 2, 2)]);
    expect(r.get('hi')).toHaveLength(1);
    expect(r.get('lo')).toHaveLength(2);
  });

  it('leaves a job without workers when its minimum cannot be met', () => {
    const r = allocateWorkers(['a', 'b'], new Map(), [job('hi', 5, 1, 1), job('big', 0, 2, 4)]);
    expect(asObject(r)).toEqual({ hi: ['a'], big: [] });
  });

  it('breaks priority ties by age', () => {
    const r = allocateWorkers(['a'], new Map(), [
      job('young', 0, 1, 1, 10),
      job('old', 0, 1, 1, 5),
    ]);
    expect(asObject(r)).toEqual({ old: ['a'], young: [] });
  });

  it('keeps workers where they are when counts allow', () => {
    const current = new Map([
      ['a', 'j2'],
      ['b', 'j1'],
    ]);
    const r = allocateWorkers(['a', 'b', 'c'], current, [
      job('j1', 0, 1, 2, 1),
      job('j2', 0, 1, 1, 2),
    ]);
    expect(asObject(r)).toEqual({ j1: ['b', 'c'], j2: ['a'] });
  });

  it('never assigns a worker twice nor more than the workers there are', () => {
    const workers = ['a', 'b', 'c', 'd', 'e'];
    const r = allocateWorkers(workers, new Map([['e', 'x']]), [
      job('x', 1, 2, 3),
      job('y', 1, 1, 8, 1),
      job('z', 9, 1, 1),
    ]);
    const all = [...r.values()].flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(5);
    expect(r.get('x')).toContain('e');
  });
});
