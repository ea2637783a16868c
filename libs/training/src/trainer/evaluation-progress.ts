import { formatDuration } from './progress.reporter';

const BAR = 24;

/**
 * Images evaluated out of a split's size, img/s and ETA on stderr while `batches` are consumed: a bar
 * redrawn in place on a terminal (at most ten times a second), a plain line every tenth of the split
 * otherwise (logs and CI); the bar's line is cleared at the end, so the result prints alone.
 */
export async function* withEvaluationProgress<B extends { readonly shape: readonly number[] }>(
  batches: AsyncIterable<B>,
  total: number,
  out: NodeJS.WriteStream = process.stderr,
): AsyncGenerator<B> {
  const started = performance.now();
  let done = 0;
  let lastDraw = 0;
  let nextLine = Math.max(1, Math.floor(total / 10));
  try {
    for await (const b of batches) {
      yield b;
      done += b.shape[0] ?? 0;
      const elapsed = (performance.now() - started) / 1000;
      const rate = done / Math.max(elapsed, 1e-9);
      const line =
        `evaluate: ${String(done)}/${String(total)} images ${Math.round(rate)} img/s ` +
        `ETA ${formatDuration((total - done) / rate)}`;
      if (out.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) continue;
        lastDraw = now;
        const filled = Math.round((Math.min(done, total) / Math.max(total, 1)) * BAR);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${line}\x1b[K`);
      } else if (done >= nextLine) {
        out.write(`${line}\n`);
        while (nextLine <= done) nextLine += Math.max(1, Math.floor(total / 10));
      }
    }
  } finally {
    if (out.isTTY && done > 0) out.write('\r\x1b[K');
  }
}
