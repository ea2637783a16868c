import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withEvaluationProgress } from './evaluation-progress';

async function* batchesOf(sizes: readonly number[]): AsyncGenerator<{ shape: number[] }> {
  for (const n of sizes) {
    await Promise.resolve();
    yield { shape: [n, 2, 2, 1] };
  }
}

function sink(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    out: Object.assign(stream, { isTTY }) as unknown as NodeJS.WriteStream,
    text: () => text,
  };
}

describe('withEvaluationProgress', () => {
  it('passes every batch through and logs a line per tenth of the split when not a terminal', async () => {
    const { out, text } = sink(false);
    const seen: number[] = [];
    for await (const b of withEvaluationProgress(batchesOf(Array(20).fill(5)), 100, out)) {
      seen.push(b.shape[0] ?? 0);
    }
    expect(seen).toHaveLength(20);
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^evaluate: 10\/100 images \d+ img\/s ETA /);
    expect(lines[9]).toMatch(/^evaluate: 100\/100 images/);
  });

  it('redraws one line on a terminal and clears it at the end', async () => {
    const { out, text } = sink(true);
    for await (const _ of withEvaluationProgress(batchesOf([3, 3, 4]), 10, out)) {
      // consumed
    }
    expect(text()).toContain('] evaluate: ');
    expect(text()).toContain('10/10 images');
    expect(text().endsWith('\r\x1b[K')).toBe(true);
    expect(text()).not.toContain('\n');
  });
});
