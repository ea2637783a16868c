import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultSchedule } from '../../bench/chaos/chaos.schedule';

describe('faultSchedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(faultSchedule(20, 7)).toEqual(faultSchedule(20, 7));
    expect(faultSchedule(20, 8)).not.toEqual(faultSchedule(20, 7));
  });

  it('strikes every kind once before any repeats, 0.2–3 s after the previous recovery', () => {
    const s = faultSchedule(20, 3);
    expect(new Set(s.slice(0, FAULT_KINDS.length).map((f) => f.kind))).toEqual(
      new Set(FAULT_KINDS),
    );
    expect(new Set(s.slice(8, 16).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    for (const f of s) {
      expect(f.afterMs).toBeGreaterThanOrEqual(200);
      expect(f.afterMs).toBeLessThanOrEqual(3000);
      expect(f.pick).toBeGreaterThanOrEqual(0);
      expect(f.pick).toBeLessThan(1);
    }
    expect(s.map((f) => f.index)).toEqual([...Array(20).keys()]);
  });
});
