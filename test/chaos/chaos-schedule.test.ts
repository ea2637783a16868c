import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, STEP_PHASES, faultSchedule } from '../../bench/chaos/chaos.schedule';

describe('faultSchedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(faultSchedule(20, 7)).toEqual(faultSchedule(20, 7));
    expect(faultSchedule(20, 8)).not.toEqual(faultSchedule(20, 7));
  });

  it('strikes every kind once before any repeats, 0.2–3 s after the previous recovery', () => {
    const s = faultSchedule(20, 3);
    const n = FAULT_KINDS.length;
    expect(new Set(s.slice(0, n).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(new Set(s.slice(n, 2 * n).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    for (const f of s) {
      expect(f.afterMs).toBeGreaterThanOrEqual(200);
      expect(f.afterMs).toBeLessThanOrEqual(3000);
      expect(f.pick).toBeGreaterThanOrEqual(0);
      expect(f.pick).toBeLessThan(1);
      expect(f.hold).toBeGreaterThanOrEqual(1.2);
      expect(f.hold).toBeLessThanOrEqual(2);
    }
    expect(s.map((f) => f.index)).toEqual([...Array(20).keys()]);
  });

  it('holds every fault of section 1 of issue 11, the cut data link among them', () => {
    expect([...FAULT_KINDS].sort()).toEqual(
      [
        'cut-link',
        'drain',
        'join',
        'kill-all-workers',
        'kill-coordinator',
        'kill-leader',
        'kill-member',
        'kill-redis',
        'stop-member',
      ].sort(),
    );
    expect(new Set(faultSchedule(20, 1).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
  });

  it('aims the faults at every phase, each once before any repeats, across kinds', () => {
    const s = faultSchedule(20, 5);
    const m = STEP_PHASES.length;
    for (let r = 0; r < 4; r++) {
      expect(new Set(s.slice(r * m, (r + 1) * m).map((f) => f.phase))).toEqual(
        new Set(STEP_PHASES),
      );
    }
    // Phases are drawn apart from kinds: a kind does not always meet the same phase.
    const phasesOf = (kind: string): Set<string> =>
      new Set(
        [1, 2, 3, 4, 5, 6].flatMap((seed) =>
          faultSchedule(20, seed)
            .filter((f) => f.kind === kind)
            .map((f) => f.phase),
        ),
      );
    for (const kind of FAULT_KINDS) expect(phasesOf(kind).size).toBeGreaterThan(2);
  });

  it('draws only the kinds it is given (a run without root leaves cut-link out)', () => {
    const kinds = FAULT_KINDS.filter((k) => k !== 'cut-link');
    const s = faultSchedule(16, 9, kinds);
    expect(s.some((f) => f.kind === 'cut-link')).toBe(false);
    expect(new Set(s.slice(0, kinds.length).map((f) => f.kind))).toEqual(new Set(kinds));
    expect(() => faultSchedule(3, 1, [])).toThrow(/at least one kind/);
  });
});
