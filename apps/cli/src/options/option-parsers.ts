import { InvalidArgumentError } from 'commander';

/** commander argument parsers: a bad value becomes a parse error (exit 2) naming the flag. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a non-negative integer');
  }
  return n;
}

/** A worker's compute threads: 'auto' or a whole number ≥ 0. */
export function threadCount(value: string): number | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  try {
    return nonNegativeInt(value);
  } catch {
    throw new InvalidArgumentError('expected auto or a non-negative integer');
  }
}

/** A whole number of either sign (e.g. a job priority). */
export function integer(value: string): number {
  const n = Number(value);
  if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected an integer');
  }
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a non-negative number');
  }
  return n;
}

export function positiveNumber(value: string): number {
  const n = nonNegativeNumber(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** A probability: a number in [0, 1]. */
export function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a probability between 0 and 1');
  }
  return n;
}

/** `a,b,c`: a comma-separated list of finite numbers (per-channel mean/std). */
export function numberList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError('expected comma-separated numbers, e.g. 0.485,0.456,0.406');
  }
  return nums;
}
