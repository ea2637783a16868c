import { describe, it, expect } from 'vitest';
import {
  HOLDS_EXPECTED,
  HOLDS_NEXT,
  HOLDS_NOTHING,
  stateHolding,
  stateRoot,
} from './state-agreement';

describe('state agreement of a new generation', () => {
  it('rates a state by how it continues the expected step', () => {
    expect(stateHolding(12, 12)).toBe(HOLDS_EXPECTED);
    // Applied the step whose report the lost leader never sent.
    expect(stateHolding(13, 12)).toBe(HOLDS_NEXT);
    expect(stateHolding(11, 12)).toBe(HOLDS_NOTHING);
    expect(stateHolding(14, 12)).toBe(HOLDS_NOTHING);
    expect(stateHolding(undefined, 0)).toBe(HOLDS_NOTHING);
  });

  it('picks the most advanced member, the leader among equals, the leader when none holds it', () => {
    expect(stateRoot([HOLDS_EXPECTED, HOLDS_NEXT, HOLDS_NEXT])).toBe(1);
    expect(stateRoot([HOLDS_NOTHING, HOLDS_EXPECTED, HOLDS_NEXT])).toBe(2);
    expect(stateRoot([HOLDS_EXPECTED, HOLDS_EXPECTED, HOLDS_NOTHING])).toBe(0);
    expect(stateRoot([HOLDS_NOTHING, HOLDS_EXPECTED])).toBe(1);
    expect(stateRoot([HOLDS_NOTHING, HOLDS_NOTHING, HOLDS_NOTHING])).toBe(0);
    expect(stateRoot([HOLDS_NEXT])).toBe(0);
  });
});
