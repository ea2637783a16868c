import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { artifactInfoSchema } from '@repvgg/contracts';
import { JobService } from '../jobs/job.service';
import { openApiSchema } from '../openapi/json-schema';
import { ArtifactRepository, type ArtifactInfo } from '../repositories/artifact.repository';

interface FileResponse extends ServerResponse {
  sendFile(
    path: string,
    options: Record<string, unknown>,
    callback: (err?: Error & { status?: number }) => void,
  ): void;
}

const id = new ParseUUIDPipe({ version: '4' });

@ApiTags('artifacts')
@ApiBearerAuth()
@Controller('v1/jobs/:id/artifacts')
export class ArtifactsController {
  constructor(
    private readonly jobs: JobService,
    private readonly artifacts: ArtifactRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: "The job's files: checkpoints and the deploy bundle" })
  @ApiResponse({ status: 200, schema: openApiSchema(z.array(artifactInfoSchema)) })
  async list(@Param('id', id) jobId: string): Promise<ArtifactInfo[]> {
    await this.jobs.get(jobId);
    return this.artifacts.list(jobId);
  }

  @Get('*name')
  @ApiOperation({ summary: 'Download an artifact (ETag = "sha256", Range supported)' })
  @ApiParam({ name: 'name', description: 'Name from the listing, e.g. bundle/model.onnx' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'The file' })
  @ApiResponse({ status: 206, description: 'The requested range' })
  @ApiResponse({ status: 304, description: 'If-None-Match matched' })
  @ApiResponse({ status: 400, description: 'Malformed name' })
  @ApiResponse({ status: 404, description: 'No such job or artifact' })
  async download(
    @Param('id', id) jobId: string,
    @Param('name') name: string | string[],
    @Res() res: FileResponse,
  ): Promise<void> {
    await this.jobs.get(jobId);
    const file = await this.artifacts.resolve(jobId, Array.isArray(name) ? name.join('/') : name);
    res.setHeader('ETag', `"${file.sha256}"`);
    res.setHeader('Digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
    await new Promise<void>((resolve) => {
      res.sendFile(
        file.path,
        {
          etag: false,
          dotfiles: 'allow',
          headers: { 'Content-Type': 'application/octet-stream' },
        },
        (err) => {
          if (err !== undefined && !res.headersSent) {
            res.statusCode = err.status ?? 500;
            res.end();
          }
          resolve();
        },
      );
    });
  }
}
