import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QueueRepository } from '../repositories/queue.repository';
import { RedisStoreRepository } from '../repositories/redis-store.repository';
import { Public } from './public.decorator';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: RedisStoreRepository,
    private readonly queue: QueueRepository,
  ) {}

  /** Cheap and never on Redis: a liveness probe must not restart the pod when Redis is slow. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200 })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: Redis answers the store and the queues' })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503 })
  async ready(): Promise<{ status: 'ok' }> {
    const [store, queue] = await Promise.all([this.store.ping(), this.queue.ping()]);
    if (!store || !queue) throw new ServiceUnavailableException('Redis does not answer');
    return { status: 'ok' };
  }
}
