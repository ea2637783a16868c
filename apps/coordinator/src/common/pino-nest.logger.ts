import type { LoggerService } from '@nestjs/common';
import type { ProcessLogger } from '@repvgg/contracts/logging/process-logger';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !(v instanceof Error) && !Array.isArray(v);

/**
 * Nest's logger routed through the coordinator's pino log: `Logger` instances append their context
 * as the last argument, `error` may carry a stack before it, and a message may be an object with
 * `msg` and the job fields (`{ msg, jobId, generation }`), which become fields of the line.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: ProcessLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    if (rest.length > 0 && typeof rest.at(-1) === 'string') fields.context = rest.pop();
    if (level === 'error' || level === 'fatal') {
      const stack = rest.find((p) => typeof p === 'string');
      if (stack !== undefined) fields.stack = stack;
    }
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (isRecord(message)) {
      const { msg, ...more } = message;
      this.logger[level]({ ...fields, ...more }, typeof msg === 'string' ? msg : '');
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
