import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  BUNDLE_REPORT_FILE,
  validateBundleReport,
  type BundleReport,
} from '@repvgg/core/export/bundle-report';
import { TERMINAL_STATES } from '@repvgg/contracts';
import { EXIT_FAILURE, ExitCodeError } from '../errors/exit-code.error';
import { UsageError } from '../errors/usage.error';
import { CoordinatorFailedError } from './client.errors';
import type { CoordinatorClient } from './coordinator.client';

/** Where the finalizer puts the deploy bundle among a job's artifacts. */
const BUNDLE_PREFIX = 'bundle/';
/** A download in progress; renamed to the file's name once its sha256 checks out. */
export const PARTIAL_SUFFIX = '.part';

/** A downloaded file whose bytes are not the ones the job's report.json (or the ETag) names. */
export class VerificationError extends ExitCodeError {
  constructor(name: string, problem: string) {
    super(
      `${name} failed verification: ${problem}; the bad file was deleted`,
      "download again, and if it fails again the job's artifacts are damaged: rerun the job",
      EXIT_FAILURE,
    );
  }
}

export interface ExpectedFile {
  readonly sha256: string;
  readonly bytes: number;
  /** The server's ETag for the download, when there was one: it must name the same digest. */
  readonly etag?: string | null;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

const short = (sha: string): string => `${sha.slice(0, 12)}…`;

/**
 * Checks a downloaded file against its expected digest and size (and the ETag it came with);
 * deletes it and throws `VerificationError` on any mismatch.
 */
export async function verifyFile(
  path: string,
  name: string,
  expected: ExpectedFile,
): Promise<void> {
  const [actual, size] = await Promise.all([sha256File(path), stat(path).then((s) => s.size)]);
  let problem: string | undefined;
  if (actual !== expected.sha256 || size !== expected.bytes) {
    problem = `sha256 ${short(actual)} (${size} bytes) but report.json says ${short(expected.sha256)} (${expected.bytes} bytes)`;
  } else if (
    expected.etag !== undefined &&
    expected.etag !== null &&
    expected.etag.replace(/^W\//, '').replace(/"/g, '') !== actual
  ) {
    problem = `the coordinator's ETag ${expected.etag} is not its sha256 ${short(actual)}`;
  }
  if (problem === undefined) return;
  await rm(path, { force: true });
  throw new VerificationError(name, problem);
}

export interface DownloadedFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Bytes kept from an earlier partial download (0: fetched whole). */
  readonly resumedFrom: number;
  /** Already in the output directory with the right digest: not fetched again. */
  readonly alreadyPresent: boolean;
}

export interface DownloadResult {
  readonly dir: string;
  readonly report: BundleReport;
  /** The bundle's files, report.json last. */
  readonly files: readonly DownloadedFile[];
}

export interface DownloadOptions {
  /** Called after each file is in place and verified. */
  readonly onFile?: (file: DownloadedFile) => void;
  readonly signal?: AbortSignal;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** The job's bundle listing, or a usage error saying when the bundle will exist. */
async function bundleListing(
  client: CoordinatorClient,
  jobId: string,
): Promise<Map<string, { size: number; sha256: string }>> {
  const listing = new Map(
    (await client.artifacts(jobId))
      .filter((a) => a.name.startsWith(BUNDLE_PREFIX))
      .map((a) => [a.name.slice(BUNDLE_PREFIX.length), a] as const),
  );
  if (listing.has(BUNDLE_REPORT_FILE)) return listing;
  const { state } = await client.job(jobId);
  throw new UsageError(
    `job ${jobId} has no deploy bundle (it is ${state})`,
    TERMINAL_STATES.has(state)
      ? 'only a job that succeeded has one'
      : `wait until it succeeds (\`repvgg watch ${jobId}\`) and download then`,
  );
}

/** Fetches one file into `target`, continuing a partial download, and verifies it. */
async function fetchFile(
  client: CoordinatorClient,
  jobId: string,
  name: string,
  target: string,
  expected: ExpectedFile,
  signal: AbortSignal | undefined,
): Promise<DownloadedFile> {
  if ((await sizeOf(target)) === expected.bytes && (await sha256File(target)) === expected.sha256) {
    return { name, ...expected, resumedFrom: 0, alreadyPresent: true };
  }
  const part = `${target}${PARTIAL_SUFFIX}`;
  await mkdir(dirname(target), { recursive: true });
  let offset = (await sizeOf(part)) ?? 0;
  if (offset > expected.bytes) {
    await rm(part);
    offset = 0;
  }
  let etag: string | null = null;
  if (offset < expected.bytes) {
    // If-Range: should the file have changed since the partial download, the server sends it whole.
    const range: Record<string, string> =
      offset > 0 ? { Range: `bytes=${offset}-`, 'If-Range': `"${expected.sha256}"` } : {};
    const res = await client.artifact(jobId, `${BUNDLE_PREFIX}${name}`, range, signal);
    etag = res.headers.get('etag');
    if (res.status !== 206) offset = 0;
    if (res.body === null)
      throw new CoordinatorFailedError(client.url, `an empty body for ${name}`);
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }),
    );
  }
  await verifyFile(part, name, { ...expected, etag });
  await rename(part, target);
  return { name, ...expected, resumedFrom: offset, alreadyPresent: false };
}

/**
 * Downloads a finished job's deploy bundle into `outDir` (its files directly there): report.json is
 * fetched first and checked against its ETag, every other file is checked against report.json's
 * `files` and its own ETag, a partial file is continued with Range + If-Range, and report.json is
 * written last so that its presence marks a complete, verified bundle.
 */
export async function downloadBundle(
  client: CoordinatorClient,
  jobId: string,
  outDir: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const dir = resolve(outDir);
  const listing = await bundleListing(client, jobId);
  const reportRes = await client.artifact(
    jobId,
    `${BUNDLE_PREFIX}${BUNDLE_REPORT_FILE}`,
    {},
    opts.signal,
  );
  const reportBytes = Buffer.from(await reportRes.arrayBuffer());
  const reportSha = createHash('sha256').update(reportBytes).digest('hex');
  const etag = reportRes.headers.get('etag')?.replace(/"/g, '');
  if (etag !== undefined && etag !== reportSha) {
    throw new VerificationError(
      BUNDLE_REPORT_FILE,
      `sha256 ${short(reportSha)} but the coordinator's ETag says ${short(etag)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(reportBytes.toString('utf8'));
  } catch {
    throw new VerificationError(BUNDLE_REPORT_FILE, 'it is not JSON');
  }
  const report = validateBundleReport(parsed, `job ${jobId}'s ${BUNDLE_REPORT_FILE}`);

  for (const name of listing.keys()) {
    if (name !== BUNDLE_REPORT_FILE && !(name in report.files)) {
      throw new VerificationError(name, 'report.json does not list it');
    }
  }
  const files: DownloadedFile[] = [];
  for (const [name, entry] of Object.entries(report.files)) {
    const target = resolve(dir, name);
    if (!target.startsWith(`${dir}${sep}`) || !listing.has(name)) {
      throw new VerificationError(name, 'report.json lists it but the job has no such file');
    }
    const file = await fetchFile(client, jobId, name, target, entry, opts.signal);
    files.push(file);
    opts.onFile?.(file);
  }
  const reportPart = join(dir, `${BUNDLE_REPORT_FILE}${PARTIAL_SUFFIX}`);
  await mkdir(dir, { recursive: true });
  await writeFile(reportPart, reportBytes);
  await rename(reportPart, join(dir, BUNDLE_REPORT_FILE));
  const last: DownloadedFile = {
    name: BUNDLE_REPORT_FILE,
    bytes: reportBytes.byteLength,
    sha256: reportSha,
    resumedFrom: 0,
    alreadyPresent: false,
  };
  files.push(last);
  opts.onFile?.(last);
  return { dir, report, files };
}
