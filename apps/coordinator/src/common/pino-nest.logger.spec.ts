import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessLogger } from '@repvgg/contracts/logging/process-logger';
import { PinoNestLogger } from './pino-nest.logger';

function jsonLines(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) {
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, stream };
}

describe('PinoNestLogger', () => {
  afterEach(() => {
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  it("takes Nest Logger's context, an error's stack and a message object's job fields", () => {
    const { lines, stream } = jsonLines();
    Logger.overrideLogger(
      new PinoNestLogger(createProcessLogger('coordinator', { env: {}, destination: stream })),
    );
    const logger = new Logger('TrainingService');
    logger.log('listening');
    logger.error('step failed', 'Error: boom\n    at x');
    logger.warn({ msg: 'generation 2 formed', jobId: 'j-1', generation: 2 });
    logger.debug('not at info');
    expect(lines).toMatchObject([
      { level: 'info', component: 'coordinator', context: 'TrainingService', msg: 'listening' },
      {
        level: 'error',
        context: 'TrainingService',
        stack: 'Error: boom\n    at x',
        msg: 'step failed',
      },
      {
        level: 'warn',
        context: 'TrainingService',
        jobId: 'j-1',
        generation: 2,
        msg: 'generation 2 formed',
      },
    ]);
  });
});
