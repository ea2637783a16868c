import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Logger,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import {
  epochResultSchema,
  JOB_PAGE_LIMIT_MAX,
  JOB_STATES,
  jobEventSchema,
  jobListQuerySchema,
  jobPageSchema,
  jobRecordSchema,
  jobSpecSchema,
  jobViewSchema,
  stepMetricsSchema,
  type JobListQuery,
  type JobPage,
  type JobRecord,
  type JobSpec,
  type JobView,
} from '@repvgg/contracts';
import { JobEventsService } from '../jobs/job-events.service';
import { JobOperationsService } from '../jobs/job-operations.service';
import { JobService, type JobMetricsView } from '../jobs/job.service';
import { streamIdOf } from '../common/stream-id';
import { openApiSchema } from '../openapi/json-schema';
import { failEventStream, openEventStream } from './event-stream';
import { ZodBodyPipe } from './zod-body.pipe';

const ERROR = openApiSchema(
  z.object({
    statusCode: z.number(),
    error: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
);
const id = new ParseUUIDPipe({ version: '4' });
const metricsView = z.object({
  latest: stepMetricsSchema.nullable(),
  steps: z.array(stepMetricsSchema),
  epochs: z.array(epochResultSchema),
});

@ApiTags('jobs')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No bearer token', schema: ERROR })
@ApiResponse({ status: 403, description: 'Wrong bearer token', schema: ERROR })
@Controller('v1/jobs')
export class JobsController {
  private readonly logger = new Logger(JobsController.name);

  constructor(
    private readonly jobs: JobService,
    private readonly events: JobEventsService,
    private readonly operations: JobOperationsService,
  ) {}

  @Post()
  @ApiOperation({ summary: "Submit a training job (defaults: the paper's recipe)" })
  @ApiBody({ schema: openApiSchema(jobSpecSchema, 'input') })
  @ApiResponse({ status: 201, schema: openApiSchema(jobRecordSchema) })
  @ApiResponse({ status: 400, description: 'Names each bad field', schema: ERROR })
  @ApiResponse({ status: 413, description: 'Body too large' })
  create(@Body(new ZodBodyPipe(jobSpecSchema, 'job spec')) spec: JobSpec): Promise<JobRecord> {
    return this.jobs.submit(spec);
  }

  @Get()
  @ApiOperation({
    summary: 'List jobs, oldest first, a page at a time',
    description: "Pass the page's nextCursor as cursor for the next page; it is null on the last.",
  })
  @ApiQuery({ name: 'state', required: false, enum: JOB_STATES, description: 'Only jobs in it' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: JOB_PAGE_LIMIT_MAX, default: 100 },
    description: 'Jobs per page',
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    schema: { type: 'string' },
    description: "The previous page's nextCursor",
  })
  @ApiResponse({ status: 200, schema: openApiSchema(jobPageSchema) })
  @ApiResponse({ status: 400, description: 'Names the bad parameter', schema: ERROR })
  list(
    @Query(new ZodBodyPipe(jobListQuerySchema, 'job list query')) query: JobListQuery,
  ): Promise<JobPage> {
    return this.jobs.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A job: state, progress, latest metrics, workers, transitions, ETA' })
  @ApiResponse({ status: 200, schema: openApiSchema(jobViewSchema) })
  @ApiResponse({ status: 404, schema: ERROR })
  get(@Param('id', id) jobId: string): Promise<JobView> {
    return this.jobs.view(jobId);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a job that has not finished' })
  @ApiResponse({ status: 200, schema: openApiSchema(jobRecordSchema) })
  @ApiResponse({ status: 404, schema: ERROR })
  @ApiResponse({ status: 409, description: 'The job already finished', schema: ERROR })
  cancel(@Param('id', id) jobId: string): Promise<JobRecord> {
    return this.jobs.cancel(jobId);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a failed or cancelled job from its latest checkpoint',
    description:
      'The job goes back to queued with its progress at the checkpoint (the start when it has none) and runs again; in deterministic mode it ends with the weights of a run that never stopped.',
  })
  @ApiResponse({ status: 200, schema: openApiSchema(jobRecordSchema) })
  @ApiResponse({ status: 400, description: 'The id is not a UUID', schema: ERROR })
  @ApiResponse({ status: 404, schema: ERROR })
  @ApiResponse({
    status: 409,
    description: 'The job is not failed or cancelled, or its checkpoint is gone',
    schema: ERROR,
  })
  resume(@Param('id', id) jobId: string): Promise<JobRecord> {
    return this.operations.resume(jobId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a finished job',
    description:
      'Removes its record, transitions, events, metrics (also from /metrics), queue leftovers and artifacts.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 400, description: 'The id is not a UUID', schema: ERROR })
  @ApiResponse({ status: 404, schema: ERROR })
  @ApiResponse({ status: 409, description: 'The job has not finished', schema: ERROR })
  delete(@Param('id', id) jobId: string): Promise<void> {
    return this.operations.delete(jobId);
  }

  @Get(':id/metrics')
  @ApiOperation({ summary: 'Latest step metrics and every epoch result' })
  @ApiQuery({
    name: 'steps',
    required: false,
    description: 'How many recent steps (1–1000, default 100)',
  })
  @ApiResponse({ status: 200, schema: openApiSchema(metricsView) })
  @ApiResponse({ status: 404, schema: ERROR })
  metrics(@Param('id', id) jobId: string, @Query('steps') steps?: string): Promise<JobMetricsView> {
    const n = Math.min(1000, Math.max(1, Number.parseInt(steps ?? '100', 10) || 100));
    return this.jobs.metrics(jobId, n);
  }

  @Get(':id/events')
  @ApiOperation({
    summary: 'Server-sent events: state changes, steps, epochs, generations',
    description:
      'Replays the history (after Last-Event-ID when sent), then streams live; ends after the terminal state.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, schema: openApiSchema(jobEventSchema) })
  @ApiResponse({ status: 404, schema: ERROR })
  async stream(
    @Param('id', id) jobId: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ): Promise<void> {
    await this.jobs.get(jobId);
    openEventStream(res);
    const sub = this.events.stream(jobId, streamIdOf(req.headers['last-event-id'])).subscribe({
      next: (e) => {
        res.write(`id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`);
      },
      error: (err: unknown) => {
        failEventStream(res, this.logger, `the event stream of job ${jobId}`, err);
      },
      complete: () => res.end(),
    });
    req.on('close', () => {
      sub.unsubscribe();
    });
  }
}
