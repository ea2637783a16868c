import type { DestinationStream } from 'pino';

/** The fields a process log line may carry (process-logger.ts). */
interface LogRecord {
  readonly time?: string;
  readonly level?: string;
  readonly component?: string;
  readonly context?: string;
  readonly msg?: string;
  readonly jobId?: string;
  readonly generation?: number;
  readonly rank?: number;
  readonly step?: number;
  readonly err?: { readonly stack?: string };
  readonly stack?: string;
}

/**
 * One JSON log line as a terminal line: `HH:MM:SS.mmm LEVEL component [job … g… r… s…] msg`, the
 * job id kept whole so a terminal's lines are found by it as the JSON ones are. A line that is not
 * JSON passes through.
 */
export function formatPrettyLine(json: string): string {
  let r: LogRecord;
  try {
    r = JSON.parse(json) as LogRecord;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const where = [
    r.jobId === undefined ? '' : `job ${r.jobId}`,
    r.generation === undefined ? '' : `g${r.generation}`,
    r.rank === undefined ? '' : `r${r.rank}`,
    r.step === undefined ? '' : `s${r.step}`,
  ].filter((p) => p !== '');
  const head = [
    (r.time ?? '').slice(11, 23),
    (r.level ?? '').toUpperCase().padEnd(5),
    r.context === undefined ? (r.component ?? '') : `${r.component ?? ''}/${r.context}`,
    where.length === 0 ? '' : `[${where.join(' ')}]`,
  ].filter((p) => p !== '');
  const stack = r.err?.stack ?? r.stack;
  return `${head.join(' ')} ${r.msg ?? ''}${stack === undefined ? '' : `\n${stack}`}\n`;
}

/** A pino destination that writes `sink` pretty lines (pino hands it one JSON line per write). */
export function prettyLogStream(sink: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      sink.write(formatPrettyLine(line));
    },
  };
}
