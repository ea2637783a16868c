import type { Command } from 'commander';
import { jobLogLineSchema, TERMINAL_STATES, type JobLogLine } from '@repvgg/contracts';
import { CoordinatorFailedError } from '../client/client.errors';
import type { ConnectionFlags } from '../client/connection';
import type { CoordinatorClient } from '../client/coordinator.client';
import { readEventStream } from '../client/sse.stream';
import { addConnectionOptions, clientFor } from '../options/connection.options';

interface LogsOptions extends ConnectionFlags {
  readonly follow?: boolean;
}

/** `<time> <LEVEL> <source>[ g<generation>][ r<rank>][ step <n>] <message>` */
export function formatLogLine(l: JobLogLine): string {
  const where = [
    l.source,
    l.generation === undefined ? '' : `g${l.generation}`,
    l.rank === undefined ? '' : `r${l.rank}`,
    l.step === undefined ? '' : `step ${l.step}`,
  ]
    .filter((s) => s !== '')
    .join(' ');
  return `${l.at} ${l.level.toUpperCase().padEnd(5)} ${where}: ${l.message}`;
}

/**
 * The job's log lines, oldest first; with `follow`, until the job has ended. A dropped stream
 * reconnects with Last-Event-ID, so no line is printed twice.
 */
export async function* jobLogs(
  client: CoordinatorClient,
  id: string,
  follow: boolean,
  signal?: AbortSignal,
): AsyncGenerator<JobLogLine> {
  const stream = readEventStream({
    open: (last, s) => client.eventStream(id, follow ? 'logs?follow=true' : 'logs', last, s),
    reconnectAfterEnd: follow
      ? async () => !TERMINAL_STATES.has((await client.job(id)).state)
      : undefined,
    signal,
  });
  for await (const message of stream) {
    if (message.event !== 'log') continue;
    let json: unknown;
    try {
      json = JSON.parse(message.data);
    } catch {
      json = undefined;
    }
    const line = jobLogLineSchema.safeParse(json);
    if (!line.success) {
      throw new CoordinatorFailedError(
        client.url,
        'it sent a log line that does not match the API contract',
      );
    }
    yield line.data;
  }
}

export function registerLogs(program: Command): void {
  addConnectionOptions(
    program
      .command('logs')
      .description(
        "a job's log lines from the coordinator and its workers (--follow: until the job ends)",
      )
      .argument('<job>', 'job id or a unique prefix'),
  )
    .option('-f, --follow', 'keep printing new lines until the job has ended')
    .action(async (ref: string, opts: LogsOptions) => {
      const client = clientFor(opts);
      const id = await client.resolveJobId(ref);
      for await (const line of jobLogs(client, id, opts.follow === true)) {
        process.stdout.write(`${formatLogLine(line)}\n`);
      }
    });
}
