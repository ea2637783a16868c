import { describe, expect, it } from 'vitest';
import { AdaptiveDeadline } from './adaptive-deadline';

describe('AdaptiveDeadline', () => {
  it('is max(5 s, 3 × p99) by default', () => {
    const d = new AdaptiveDeadline();
    expect(d.timeoutMs()).toBe(5000);
    for (let i = 0; i < 100; i++) d.observe(1000);
    expect(d.timeoutMs()).toBe(5000);
    for (let i = 0; i < 100; i++) d.observe(i < 97 ? 2000 : 4000);
    expect(d.p99()).toBe(4000);
    expect(d.timeoutMs()).toBe(12_000);
  });

  it('forgets old steps and ignores nonsense', () => {
    const d = new AdaptiveDeadline({ floorMs: 10, window: 3 });
    d.observe(1000);
    for (let i = 0; i < 3; i++) d.observe(10);
    d.observe(-1);
    d.observe(NaN);
    expect(d.timeoutMs()).toBe(30);
  });
});
