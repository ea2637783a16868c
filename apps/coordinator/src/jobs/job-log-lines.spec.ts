import { describe, it, expect } from 'vitest';
import { LOG_MESSAGE_MAX, jobLogLineSchema } from '@repvgg/contracts';
import { mergeRecentFailures } from './job-decode-failures.service';
import { eventLine, workerLine } from './job-log-lines';

const at = '2024-01-01T00:00:00.000Z';

describe('job log lines', () => {
  it('marks only a terminal transition as the last line', () => {
    const state = (to: 'running' | 'failed') =>
      eventLine(
        { type: 'state', jobId: 'j', transition: { from: 'preparing', to, reason: 'r', at } },
        at,
      );
    expect(state('running')).toMatchObject({ last: false, line: { level: 'info' } });
    expect(state('failed')).toMatchObject({
      last: true,
      line: { level: 'error', message: 'preparing → failed: r', source: 'coordinator' },
    });
  });

  it('names a generation’s workers and reason, and warns when it has none', () => {
    const gen = (workers: string[]) =>
      eventLine(
        { type: 'generation', jobId: 'j', generation: 3, workers, reason: 'missed heartbeat' },
        at,
      )?.line;
    expect(gen(['w1', 'w2'])).toMatchObject({
      level: 'info',
      generation: 3,
      message: 'generation 3: 2 worker(s) w1, w2 (missed heartbeat)',
    });
    expect(gen([])?.level).toBe('warn');
  });

  it('keeps a worker line’s place in the job and cuts what the contract does not allow', () => {
    const l = workerLine(
      'w1',
      {
        at: 'yesterday',
        level: 'fatal',
        message: 'x'.repeat(LOG_MESSAGE_MAX + 10),
        generation: 2,
        step: 5,
      },
      at,
    );
    expect(jobLogLineSchema.parse(l)).toEqual(l);
    expect(l).toMatchObject({ at, level: 'info', source: 'w1', generation: 2, step: 5 });
    expect(l.rank).toBeUndefined();
    expect(l.message).toHaveLength(LOG_MESSAGE_MAX + 1);
  });

  it('keeps the latest distinct failed samples', () => {
    const s = (n: number) => ({ sample: `s${n}`, reason: `r${n}` });
    const recent = Array.from({ length: 10 }, (_, i) => s(i));
    const merged = mergeRecentFailures(recent, [s(3), s(10)]);
    expect(merged.map((f) => f.sample)).toEqual([
      's1',
      's2',
      's4',
      's5',
      's6',
      's7',
      's8',
      's9',
      's3',
      's10',
    ]);
  });
});
