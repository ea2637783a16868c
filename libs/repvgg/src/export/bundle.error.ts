import type { EquivalenceResult } from './equivalence';

/** The exported models do not reproduce the multi-branch model; nothing was written. */
export class BundleEquivalenceError extends Error {
  override readonly name = 'BundleEquivalenceError';

  constructor(readonly failures: Readonly<Record<string, EquivalenceResult>>) {
    const shown = Object.entries(failures)
      .map(([k, r]) => `${k} max|Δ| ${r.maxAbsDiff.toExponential(2)} > ${r.bound.toExponential(2)}`)
      .join(', ');
    super(
      `exported model disagrees with the multi-branch model (${shown}); nothing was written: check that the checkpoint is finite and report the architecture`,
    );
  }
}

/** A bundle's file is missing or its sha256 differs from report.json. */
export class BundleIntegrityError extends Error {
  override readonly name = 'BundleIntegrityError';

  constructor(
    readonly dir: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`deploy bundle ${dir}: ${file} ${problem}; re-download or re-create the bundle`);
  }
}

/** report.json is not valid JSON or lacks a field this version needs. */
export class BundleReportError extends Error {
  override readonly name = 'BundleReportError';

  constructor(
    readonly source: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${source}: ${field} ${problem}; re-create the bundle with \`repvgg convert\``);
  }
}

/** The output directory already holds files and overwriting was not asked for. */
export class BundleExistsError extends Error {
  override readonly name = 'BundleExistsError';

  constructor(readonly outDir: string) {
    super(`${outDir} exists and is not empty: choose a new directory or remove it first`);
  }
}

/** A bundle option (preprocessing, probe input) does not fit the architecture. */
export class BundleOptionsError extends Error {
  override readonly name = 'BundleOptionsError';

  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`deploy bundle option ${option} ${problem}`);
  }
}
