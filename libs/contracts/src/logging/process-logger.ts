import { destination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import { z } from 'zod';
import { prettyLogStream } from './pretty-log.format';

export const PROCESS_LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const;
export const processLogLevelSchema = z.enum(PROCESS_LOG_LEVELS);
export type ProcessLogLevel = z.infer<typeof processLogLevelSchema>;
export type ProcessLogger = Logger;

export class LogLevelError extends Error {
  constructor(value: string) {
    super(`LOG_LEVEL: '${value}' is no log level: set one of ${PROCESS_LOG_LEVELS.join(', ')}`);
    this.name = 'LogLevelError';
  }
}

/** LOG_LEVEL (any case), info when unset; throws LogLevelError for anything else. */
export function logLevelFrom(env: Readonly<Record<string, string | undefined>>): ProcessLogLevel {
  const raw = env.LOG_LEVEL?.trim() ?? '';
  if (raw === '') return 'info';
  const parsed = processLogLevelSchema.safeParse(raw.toLowerCase());
  if (!parsed.success) throw new LogLevelError(raw);
  return parsed.data;
}

/** Which job, and where in it, a line is about: set on every line where they apply. */
export interface LogWhere {
  readonly jobId?: string;
  readonly generation?: number;
  readonly rank?: number;
  /** Optimizer step within the epoch. */
  readonly step?: number;
}

export interface ProcessLoggerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: stderr, written synchronously so the last lines are out before an exit. */
  readonly destination?: DestinationStream;
  /** Human-readable lines instead of JSON; default: when the destination is stderr and a TTY. */
  readonly pretty?: boolean;
}

/**
 * A service's process log (the coordinator, a worker): one JSON object per line — time, level,
 * component, pid, msg and the job fields (LogWhere) — so every line about a job is found by its id;
 * the level comes from LOG_LEVEL.
 */
export function createProcessLogger(component: string, opts: ProcessLoggerOptions = {}): Logger {
  const level = logLevelFrom(opts.env ?? process.env);
  const sink = opts.destination ?? destination({ fd: 2, sync: true });
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stderr.isTTY);
  return pino(
    {
      level,
      base: { component, pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty ? prettyLogStream(sink) : sink,
  );
}
