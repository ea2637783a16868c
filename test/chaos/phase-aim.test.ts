import { describe, expect, it } from 'vitest';
import { phaseTrigger } from '../../bench/chaos/phase-aim';

const last = { step: 7, dataWaitSeconds: 0.1, computeSeconds: 2 };
const layout = { stepsPerEpoch: 20, members: 3, modelBytes: 460_000 };

describe('phaseTrigger', () => {
  it('aims a compute fault inside the compute of a step like the last one', () => {
    const t = phaseTrigger('compute', last, layout);
    expect(t).toEqual({ kind: 'timed', afterCommitMs: 700 });
    if (t.kind !== 'timed') throw new Error('timed');
    expect(t.afterCommitMs).toBeGreaterThan(100);
    expect(t.afterCommitMs).toBeLessThan(2100);
  });

  it('finds the all-reduce by a follower sending its first ring chunk, after half the compute', () => {
    expect(phaseTrigger('all-reduce', last, layout)).toEqual({
      kind: 'bytes-sent',
      afterCommitMs: 1100,
      minBytes: Math.floor(460_000 / 6),
    });
    // A tiny model still needs more than heartbeats and log lines to count as an all-reduce.
    const tiny = phaseTrigger('all-reduce', last, { ...layout, modelBytes: 1000 });
    expect(tiny.kind === 'bytes-sent' && tiny.minBytes).toBe(4096);
  });

  it('finds a checkpoint write by its temporary directory and ReportStep by latest.json', () => {
    const write = phaseTrigger('checkpoint-write', last, layout);
    const report = phaseTrigger('report-step', last, layout);
    if (write.kind !== 'checkpoint-file' || report.kind !== 'checkpoint-file') {
      throw new Error('checkpoint-file triggers expected');
    }
    expect(write.name.test('.step-00000012.4242.tmp')).toBe(true);
    expect(write.name.test('step-00000012')).toBe(false);
    expect(write.name.test('.latest.json.4242.tmp')).toBe(false);
    expect(report.name.test('latest.json')).toBe(true);
    expect(report.name.test('.latest.json.4242.tmp')).toBe(false);
  });

  it("finds a validation by its epoch's last step being committed", () => {
    expect(phaseTrigger('validation', last, layout)).toEqual({ kind: 'epoch-end', step: 19 });
  });

  it('aims at the start of a step when the last one has no timings yet', () => {
    expect(phaseTrigger('compute', { step: 0 }, layout)).toEqual({
      kind: 'timed',
      afterCommitMs: 0,
    });
  });
});
