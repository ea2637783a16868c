import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatPrettyLine } from './pretty-log.format';
import { createProcessLogger, LogLevelError, logLevelFrom } from './process-logger';

/** A destination that keeps what the logger wrote, one entry per line. */
function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  return { lines, stream };
}

describe('process logger', () => {
  it('writes one JSON object per line with the job fields and the level from LOG_LEVEL', () => {
    const { lines, stream } = capture();
    const log = createProcessLogger('worker', { env: { LOG_LEVEL: 'WARN' }, destination: stream });
    log.info({ jobId: 'j1' }, 'not written');
    log.warn({ jobId: 'j1', generation: 2, rank: 1, step: 7 }, 'slow peer');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'warn',
      component: 'worker',
      jobId: 'j1',
      generation: 2,
      rank: 1,
      step: 7,
      msg: 'slow peer',
    });
  });

  it('defaults to info and refuses a level it does not know, naming the ones it does', () => {
    expect(logLevelFrom({})).toBe('info');
    expect(logLevelFrom({ LOG_LEVEL: ' Debug ' })).toBe('debug');
    expect(() => logLevelFrom({ LOG_LEVEL: 'loud' })).toThrow(LogLevelError);
    expect(() => logLevelFrom({ LOG_LEVEL: 'loud' })).toThrow(/fatal, error, warn, info/);
  });

  it('pretty lines keep the level, where in the job, the message and a stack', () => {
    const line = JSON.stringify({
      time: '2024-05-01T12:34:56.789Z',
      level: 'error',
      component: 'coordinator',
      context: 'TrainingService',
      jobId: 'abc',
      generation: 3,
      msg: 'failed',
      err: { stack: 'Error: x\n    at y' },
    });
    expect(formatPrettyLine(line)).toBe(
      '12:34:56.789 ERROR coordinator/TrainingService [job abc g3] failed\nError: x\n    at y\n',
    );
    expect(formatPrettyLine('not json')).toBe('not json\n');
  });
});
