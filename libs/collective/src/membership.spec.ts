import { describe, expect, it } from 'vitest';
import { membershipRefusal, type MemberView, type MembershipClaim } from './membership';

/** Rank 1 of 4 in generation 5 of job "job", token "secret". */
const here: MemberView = {
  rank: 1,
  worldSize: 4,
  job: 'job',
  generation: 5,
  tokenMatches: (token) => token === 'secret',
};
const claim = (c: Partial<MembershipClaim> = {}): MembershipClaim => ({
  job: 'job',
  generation: 5,
  token: 'secret',
  rank: 2,
  ...c,
});

describe('membershipRefusal', () => {
  it.each([0, 2, 3])('accepts peer rank %i of the current generation', (rank) => {
    expect(membershipRefusal(here, claim({ rank }))).toBeUndefined();
  });

  it('is not-yet while no generation is served here', () => {
    expect(membershipRefusal(undefined, claim())).toEqual({
      kind: 'not-yet',
      details: 'generation 5 not open here yet',
    });
  });

  it('is not-yet for a newer generation, even with another token or job', () => {
    expect(membershipRefusal(here, claim({ generation: 6 }))?.kind).toBe('not-yet');
    expect(membershipRefusal(here, claim({ generation: 6, token: 'next' }))).toEqual({
      kind: 'not-yet',
      details: 'generation 6 not open here yet',
    });
    expect(membershipRefusal(here, claim({ generation: 9, job: 'other' }))?.kind).toBe('not-yet');
  });

  it('is over for an older generation', () => {
    expect(membershipRefusal(here, claim({ generation: 4 }))).toEqual({
      kind: 'over',
      details: 'generation 4 is over (current 5)',
    });
    expect(membershipRefusal(here, claim({ generation: 0, token: 'old' }))?.kind).toBe('over');
  });

  it('denies another job in the current or an older generation', () => {
    for (const generation of [4, 5]) {
      expect(membershipRefusal(here, claim({ job: 'other', generation }))).toEqual({
        kind: 'denied',
        details: 'job other is not served here',
      });
    }
  });

  it.each(['', 'Secret', 'secret ', 'secre'])('denies the bad token %j', (token) => {
    expect(membershipRefusal(here, claim({ token }))).toEqual({
      kind: 'denied',
      details: 'bad generation token',
    });
  });

  it.each([
    ['its own rank', 1],
    ['a rank past the world size', 4],
    ['a rank far out of range', 1_000_000],
    ['a negative rank', -1],
    ['a fractional rank', 2.5],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
  ])('denies %s', (_, rank) => {
    expect(membershipRefusal(here, claim({ rank }))).toEqual({
      kind: 'denied',
      details: `rank ${rank} is not a peer`,
    });
  });

  it('checks the token before the rank', () => {
    expect(membershipRefusal(here, claim({ token: 'x', rank: 1 }))?.details).toBe(
      'bad generation token',
    );
  });

  it('refuses every rank of a one-member generation', () => {
    const alone: MemberView = { ...here, rank: 0, worldSize: 1 };
    for (const rank of [0, 1])
      expect(membershipRefusal(alone, claim({ rank }))?.kind).toBe('denied');
  });
});
