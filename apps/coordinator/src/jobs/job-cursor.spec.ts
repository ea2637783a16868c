import { describe, expect, it } from 'vitest';
import { decodeJobCursor, encodeJobCursor } from './job-cursor';

describe('job cursors', () => {
  it('round-trips a creation time and id', () => {
    const c = { at: 1_700_000_000_123, id: '6f1c2a4e-8d1b-4c55-9a3e-0b7d2f9e1a22' };
    expect(decodeJobCursor(encodeJobCursor(c))).toEqual(c);
  });

  it.each([
    '',
    'x',
    'abc.def',
    Buffer.from('12.').toString('base64url'),
    Buffer.from('-1.a').toString('base64url'),
    Buffer.from('1.a b').toString('base64url'),
    `${encodeJobCursor({ at: 1, id: 'a' })}=`,
  ])('refuses %j', (text) => {
    expect(decodeJobCursor(text)).toBeNull();
  });
});
