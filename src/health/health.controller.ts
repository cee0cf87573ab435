import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AccessPolicy } from '../auth/access-policy';
import type { RequestWithActor } from '../auth/access.decorators';
import { Public } from '../auth/access.decorators';
import { HealthService, publicView, type PublicReadiness, type Readiness } from './health.service';

// The answers' shapes. A check shows only its status to a caller without a valid unscoped key;
// with one, also how long it took, where the engine is, its version, and why it is down. A scoped
// key is told the states only: the rest is about the whole engine, beyond its scope.
const CHECK_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'] },
    latencyMs: { type: 'number', description: 'With a valid unscoped key' },
    message: { type: 'string', description: 'Why it is down (with a valid unscoped key)' },
    endpoint: { type: 'string', description: 'Engine only, with a valid unscoped key' },
    version: { type: 'string', description: 'Engine only, with a valid unscoped key' },
    apiVersion: {
      type: 'string',
      description: 'Engine only, with a valid unscoped key: the API version spoken',
    },
  },
};
// The read model's part: its state for anyone; the rest (counts of the whole engine's objects)
// with a valid unscoped key.
const READ_MODEL_SCHEMA = {
  type: 'object',
  required: ['state'],
  properties: {
    state: {
      type: 'string',
      enum: ['off', 'starting', 'syncing', 'live', 'stale'],
      description:
        'live: reads are served from the model; starting, syncing, stale: they go to the engine; off: READ_MODEL=false',
    },
    lagMs: {
      type: 'number',
      nullable: true,
      description:
        'With a valid unscoped key: milliseconds between the engine stamping the last event and the model applying it',
    },
    lastEventAt: {
      type: 'string',
      nullable: true,
      description: 'With a valid unscoped key: when the last event happened',
    },
    networks: { type: 'integer', description: 'With a valid unscoped key' },
    containers: { type: 'integer', description: 'With a valid unscoped key' },
    endpoints: { type: 'integer', description: 'With a valid unscoped key' },
    reconnects: {
      type: 'integer',
      description: "With a valid unscoped key: reconnects of the engine's event stream",
    },
    resyncs: { type: 'integer', description: "With a valid unscoped key: whole reads of the engine's state" },
    liveSince: {
      type: 'string',
      nullable: true,
      description: 'With a valid unscoped key: when it last became live',
    },
    message: { type: 'string', description: 'With a valid unscoped key: why it is not live' },
  },
};
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checks', 'readModel'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: {
      type: 'object',
      required: ['database', 'engine'],
      properties: { database: CHECK_SCHEMA, engine: CHECK_SCHEMA },
    },
    readModel: READ_MODEL_SCHEMA,
  },
};

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly policy: AccessPolicy,
  ) {}

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
      'The database and the Docker engine answer (503 when not); the engine details and the reasons only with a valid unscoped key',
    description:
      'No key needed. Without a valid unscoped key (no key, or a key with a label scope) each check shows ' +
      'only up or down; with one, also its latency, the engine endpoint and version, and the reason a check ' +
      "is down. `readModel` shows the read model's state (with an unscoped key also its lag, sizes, " +
      'reconnects and resyncs); it never makes the service unready.',
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
    // The details are about the whole engine (its endpoint, the counts of all its objects): a
    // scoped key gets the states only, as a caller without a key.
    return request.actor && this.policy.unscoped(request.actor) ? readiness : publicView(readiness);
  }
}
