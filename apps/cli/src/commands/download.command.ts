import type { Command } from 'commander';
import { resolve } from 'node:path';
import { downloadBundle, type DownloadedFile } from '../client/bundle-download';
import type { ConnectionFlags } from '../client/connection';
import type { CoordinatorClient } from '../client/coordinator.client';
import { addConnectionOptions, clientFor } from '../options/connection.options';

interface DownloadOptions extends ConnectionFlags {
  readonly out?: string;
}

const kib = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1 << 20
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / (1 << 20)).toFixed(1)} MiB`;

function describe(file: DownloadedFile): string {
  const how = file.alreadyPresent
    ? 'already present'
    : file.resumedFrom > 0
      ? `resumed at ${kib(file.resumedFrom)}`
      : 'downloaded';
  return `${file.name}  ${kib(file.bytes)}  sha256 ${file.sha256.slice(0, 12)}… verified (${how})\n`;
}

/** Downloads the bundle with a line per verified file on stderr; the folder on stdout. */
export async function downloadWithReport(
  client: CoordinatorClient,
  jobId: string,
  out: string,
  printDir = true,
): Promise<void> {
  const result = await downloadBundle(client, jobId, out, {
    onFile: (f) => process.stderr.write(describe(f)),
  });
  const top1 = result.report.metrics?.top1;
  process.stderr.write(
    `bundle of job ${jobId} in ${result.dir}: ${result.files.length} files verified` +
      `${top1 === null || top1 === undefined ? '' : `, ${result.report.metrics?.split ?? 'held-out'} top-1 ${(top1 * 100).toFixed(2)}%`}\n`,
  );
  if (printDir) process.stdout.write(`${result.dir}\n`);
}

export function registerDownload(program: Command): void {
  addConnectionOptions(
    program
      .command('download')
      .description(
        "download a finished job's deploy bundle into --out (resumes partial files; every file's sha256 is checked against report.json and a mismatch is deleted and refused)",
      )
      .argument('<job>', 'job id or a unique prefix'),
  )
    .option('--out <dir>', 'output folder (default: ./<job id>)')
    .action(async (ref: string, opts: DownloadOptions) => {
      const client = clientFor(opts);
      const id = await client.resolveJobId(ref);
      await downloadWithReport(client, id, resolve(opts.out ?? id));
    });
}
