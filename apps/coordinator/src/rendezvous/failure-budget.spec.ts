import { describe, expect, it } from 'vitest';
import { FailureBudget } from './failure-budget';

describe('FailureBudget', () => {
  it('fails at maxFailures generations in a row, with the error seen most', () => {
    const b = new FailureBudget({ maxFailures: 3, noProgressMs: 1000 });
    expect(b.failed('disk full')).toBeNull();
    expect(b.failed('peer 2 cut off')).toBeNull();
    expect(b.failed('disk full')).toBe(
      'disk full (3 generations in a row failed without committing a step: failureBudget.maxFailures)',
    );
  });

  it('forgives the failures before a committed step', () => {
    const b = new FailureBudget({ maxFailures: 2, noProgressMs: 1000 });
    expect(b.failed('x')).toBeNull();
    b.progressed(0);
    expect(b.failed('x')).toBeNull();
    expect(b.failed('x')).toMatch(/^x \(2 generations/);
  });

  it('times out only while the job trains, from the last progress', () => {
    const b = new FailureBudget({ maxFailures: 5, noProgressMs: 1000 });
    expect(b.check(0, false)).toBeNull();
    expect(b.check(5000, true)).toBeNull(); // the clock starts now
    expect(b.check(5900, true)).toBeNull();
    b.progressed(5900);
    expect(b.check(6800, true)).toBeNull();
    expect(b.check(7000, false)).toBeNull(); // no workers: the clock stops
    expect(b.check(9000, true)).toBeNull();
    b.failed('decode error');
    expect(b.check(10_001, true)).toBe(
      'no step committed for 1 s while workers trained (failureBudget.noProgressSeconds); last error: decode error',
    );
  });
});
