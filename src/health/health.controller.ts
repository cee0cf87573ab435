import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { RequestWithActor } from '../auth/access.decorators';
import { Public } from '../auth/access.decorators';
import { HealthService, publicView, type PublicReadiness, type Readiness } from './health.service';

// The answers' shapes. A check shows only its status to a caller without a valid key; with one,
// also how long it took, where the engine is, its version, and why it is down.
const CHECK_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'] },
    latencyMs: { type: 'number', description: 'With a valid key' },
    message: { type: 'string', description: 'Why it is down (with a valid key)' },
    endpoint: { type: 'string', description: 'Engine only, with a valid key' },
    version: { type: 'string', description: 'Engine only, with a valid key' },
    apiVersion: { type: 'string', description: 'Engine only, with a valid key: the API version spoken' },
  },
};
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: {
      type: 'object',
      required: ['database', 'engine'],
      properties: { database: CHECK_SCHEMA, engine: CHECK_SCHEMA },
    },
  },
};

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiOperation({
    summary: 'The process is up',
    description: 'Answers as long as the process serves requests; it checks nothing else. No key needed.',
  })
  @ApiResponse({
    status: 200,
    description: 'Up',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'The database and the Docker engine answer (503 when not); the engine details and the reasons only with a valid key',
    description:
      'No key needed. Without a valid key each check shows only up or down; with one, also its latency, ' +
      'the engine endpoint and version, and the reason a check is down.',
  })
  @ApiResponse({ status: 200, description: 'Ready', schema: READINESS_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready: a check is down', schema: READINESS_SCHEMA })
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
