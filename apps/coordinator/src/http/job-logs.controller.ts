import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Logger, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { jobLogLineSchema } from '@repvgg/contracts';
import { streamIdOf } from '../common/stream-id';
import { JobLogsService } from '../jobs/job-logs.service';
import { JobService } from '../jobs/job.service';
import { InvalidRequestError } from '../jobs/job.errors';
import { openApiSchema } from '../openapi/json-schema';
import { failEventStream, openEventStream } from './event-stream';

const followSchema = z.enum(['true', 'false', '1', '0']).optional();
/** An SSE comment this often keeps proxies from closing a quiet follow stream. */
const KEEP_ALIVE_MS = 15_000;

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobLogsController {
  private readonly logger = new Logger(JobLogsController.name);

  constructor(
    private readonly jobs: JobService,
    private readonly logs: JobLogsService,
  ) {}

  @Get(':id/logs')
  @ApiOperation({
    summary: "Server-sent log lines: the workers' and the coordinator's lines about the job",
    description:
      'One `event: log` per line, `id:` its stream id, `data:` the line as JSON. Without follow the stream ends after the stored lines; with follow it goes on live and ends once the job is terminal and its last line was sent. Resumes after Last-Event-ID. The coordinator keeps the newest REPVGG_LOG_LINES lines (at least) per job.',
  })
  @ApiQuery({ name: 'follow', required: false, enum: ['true', 'false'] })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this line' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, schema: openApiSchema(jobLogLineSchema) })
  @ApiResponse({ status: 400, description: 'follow is not true or false' })
  @ApiResponse({ status: 401, description: 'No bearer token' })
  @ApiResponse({ status: 403, description: 'Wrong bearer token' })
  @ApiResponse({ status: 404, description: 'No such job' })
  async stream(
    @Param('id', new ParseUUIDPipe({ version: '4' })) jobId: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
    @Query('follow') followParam?: string,
  ): Promise<void> {
    const follow = followSchema.safeParse(followParam);
    if (!follow.success) {
      throw new InvalidRequestError('invalid logs query', [
        { path: 'follow', message: 'must be true or false' },
      ]);
    }
    await this.jobs.get(jobId);
    openEventStream(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const stop = (): void => {
      clearInterval(keepAlive);
      res.end();
    };
    const on = follow.data === 'true' || follow.data === '1';
    const sub = this.logs.stream(jobId, streamIdOf(req.headers['last-event-id']), on).subscribe({
      next: (e) => {
        res.write(`id: ${e.id}\nevent: log\ndata: ${JSON.stringify(e.line)}\n\n`);
      },
      error: (err: unknown) => {
        clearInterval(keepAlive);
        failEventStream(res, this.logger, `the log stream of job ${jobId}`, err);
      },
      complete: stop,
    });
    req.on('close', () => {
      clearInterval(keepAlive);
      sub.unsubscribe();
    });
  }
}
