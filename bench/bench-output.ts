import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** bench/results in the source tree (benches run from dist/bench). */
export const RESULTS_DIR = resolve(__dirname, '..', '..', 'bench', 'results');

/** Writes `<name>.json` and `<name>.md` into bench/results and prints both. */
export function publishBenchResults(name: string, report: unknown, markdown: string): void {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), json);
  writeFileSync(join(RESULTS_DIR, `${name}.md`), markdown);
  process.stdout.write(`${json}\n${markdown}`);
}

/** Runs a bench's main; a failure prints one line naming the bench and exits 1. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`bench ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
