import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { autoscaleSchema, type Autoscale } from '@repvgg/contracts';
import { openApiSchema } from '../openapi/json-schema';
import { AutoscaleService } from '../planner/autoscale.service';

@ApiTags('workers')
@ApiBearerAuth()
@Controller('v1/autoscale')
export class AutoscaleController {
  constructor(private readonly autoscale: AutoscaleService) {}

  @Get()
  @ApiOperation({
    summary:
      'Workers the runnable jobs want (desiredWorkers): by priority, each job between its workers.min and workers.max, capped by REPVGG_MAX_WORKERS; a KEDA metrics-api trigger scales the worker StatefulSet on it',
  })
  @ApiResponse({ status: 200, schema: openApiSchema(autoscaleSchema) })
  get(): Promise<Autoscale> {
    return this.autoscale.plan();
  }
}
