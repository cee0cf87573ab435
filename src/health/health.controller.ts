import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { RequestWithActor } from '../auth/access.decorators';
import { Public } from '../auth/access.decorators';
import { HealthService, publicView, type PublicReadiness, type Readiness } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiResponse({ status: 200 })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'The database and the Docker engine answer (503 when not); the engine details and the reasons only with a valid key',
  })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503 })
  async ready(
    @Req() request: RequestWithActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Readiness | PublicReadiness> {
    const readiness = await this.health.readiness();
    void reply.status(readiness.status === 'ready' ? 200 : 503);
    // The request gate has put the caller of a valid key on the request (this route is public).
    return request.actor ? readiness : publicView(readiness);
  }
}
