import { describe, it, expect } from 'vitest';
import type { LogBatch, LogLine } from '@repvgg/contracts';
import { DecodeFailures } from '@repvgg/training';
import { JobLogShipper, type JobLogShipperOptions } from './job-log.shipper';

const line = (message: string): LogLine => ({
  at: new Date(0).toISOString(),
  level: 'info',
  message,
});
const messages = (b: LogBatch): string[] => (b.lines ?? []).map((l) => l.message ?? '');

/** A shipper whose timer never fires within a test: batches leave on size or on flush(). */
function shipper(
  send: (b: LogBatch) => Promise<boolean>,
  opts: Partial<JobLogShipperOptions> = {},
): { s: JobLogShipper; notes: string[] } {
  const notes: string[] = [];
  const s = new JobLogShipper({
    send,
    workerId: () => 'w1',
    log: (l) => notes.push(l),
    intervalMs: 3_600_000,
    ...opts,
  });
  return { s, notes };
}

describe('JobLogShipper', () => {
  it('sends one job’s lines in order, in batches of batchLines', async () => {
    const sent: LogBatch[] = [];
    const { s } = shipper((b) => {
      sent.push(b);
      return Promise.resolve(true);
    });
    for (let i = 0; i < 250; i++) s.push('job-a', line(`l${i}`));
    await s.flush();
    expect(sent.map((b) => b.lines?.length)).toEqual([100, 100, 50]);
    expect(sent.flatMap(messages)).toEqual(Array.from({ length: 250 }, (_, i) => `l${i}`));
    expect(sent.every((b) => b.workerId === 'w1' && b.jobId === 'job-a' && b.dropped === 0)).toBe(
      true,
    );
    expect(s.waiting).toBe(0);
  });

  it('keeps each batch to one job', async () => {
    const sent: LogBatch[] = [];
    const { s } = shipper((b) => {
      sent.push(b);
      return Promise.resolve(true);
    });
    s.push('a', line('a1'));
    s.push('b', line('b1'));
    s.push('a', line('a2'));
    await s.flush();
    expect(sent.map((b) => [b.jobId, messages(b)])).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1']],
    ]);
  });

  it('holds at most capacity lines while the coordinator is away and says how many it dropped', async () => {
    let away = true;
    const sent: LogBatch[] = [];
    const { s } = shipper(
      (b) => {
        if (away) return Promise.reject(new Error('unavailable'));
        sent.push(b);
        return Promise.resolve(true);
      },
      { capacity: 10, batchLines: 100 },
    );
    for (let i = 0; i < 25; i++) s.push('job', line(`l${i}`));
    await s.flush();
    expect(s.waiting).toBe(10);
    away = false;
    await s.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.dropped).toBe(15);
    expect(messages(sent[0] ?? {})).toEqual(Array.from({ length: 10 }, (_, i) => `l${15 + i}`));
    s.push('job', line('later'));
    await s.flush();
    expect(sent[1]?.dropped).toBe(0);
  });

  it('never makes push wait for a send in flight', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const sent: LogBatch[] = [];
    const { s } = shipper(
      async (b) => {
        await gate;
        sent.push(b);
        return true;
      },
      { capacity: 50, batchLines: 5 },
    );
    for (let i = 0; i < 5; i++) s.push('job', line(`l${i}`));
    // The first batch is in flight and not answered yet; pushing goes on at once, bounded.
    for (let i = 5; i < 200; i++) s.push('job', line(`l${i}`));
    expect(s.waiting).toBe(50);
    open();
    await s.flush();
    const later = Array.from({ length: 50 }, (_, i) => `l${150 + i}`);
    expect(sent.flatMap(messages)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', ...later]);
    expect(sent.map((b) => b.dropped)).toEqual([0, 145, ...Array<number>(9).fill(0)]);
  });

  it('drops lines the coordinator refuses, noting it once per job', async () => {
    const { s, notes } = shipper(() => Promise.resolve(false));
    s.push('job', line('x'));
    await s.flush();
    s.push('job', line('y'));
    await s.flush();
    expect(s.waiting).toBe(0);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/refused the log lines of job job/);
  });

  it('reports new decode failures with their new samples, also across a reopened job', async () => {
    const sent: LogBatch[] = [];
    const { s } = shipper((b) => {
      sent.push(b);
      return Promise.resolve(true);
    });
    const first = new DecodeFailures();
    s.trackDecodeFailures('job', first);
    first.record({ sample: 'a.jpg', reason: 'corrupt' });
    first.record({ sample: 'a.jpg', reason: 'corrupt' });
    first.record({ sample: 'b.jpg', reason: 'truncated' });
    await s.flush();
    expect(sent.map((b) => [b.decodeFailures, b.decodeSamples])).toEqual([
      [
        3,
        [
          { sample: 'a.jpg', reason: 'corrupt' },
          { sample: 'b.jpg', reason: 'truncated' },
        ],
      ],
    ]);
    await s.flush();
    expect(sent).toHaveLength(1);
    first.record({ sample: 'a.jpg', reason: 'corrupt' });
    first.record({ sample: 'c.jpg', reason: 'empty' });
    // The job's context is reopened before the shipper sent: the old counter's news is carried.
    const second = new DecodeFailures();
    s.trackDecodeFailures('job', second);
    second.record({ sample: 'd.jpg', reason: 'bad' });
    await s.flush();
    expect(sent[1]?.decodeFailures).toBe(3);
    expect(sent[1]?.decodeSamples).toEqual([{ sample: 'd.jpg', reason: 'bad' }]);
  });
});
