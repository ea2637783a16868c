import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { workerInfoSchema, type WorkerInfo } from '@repvgg/contracts';
import { openApiSchema } from '../openapi/json-schema';
import { RendezvousService } from '../rendezvous/rendezvous.service';

@ApiTags('workers')
@ApiBearerAuth()
@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly rendezvous: RendezvousService) {}

  @Get()
  @ApiOperation({ summary: 'Registered workers, their job, generation and rank' })
  @ApiResponse({ status: 200, schema: openApiSchema(z.array(workerInfoSchema)) })
  list(): WorkerInfo[] {
    return this.rendezvous.listWorkers();
  }
}
