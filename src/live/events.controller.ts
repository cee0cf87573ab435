import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow, CurrentActor } from '../auth/access.decorators';
import { releaseInFlight } from '../auth/request-gate';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { DeploymentEventsQuery, EngineEventsQuery } from './dto/engine-events.query';
import { LiveEvents } from './live-events';
import { DeploymentProgressMessage, EngineEventMessage } from './models/event-message.model';
import { serveSse } from './sse-response';

const SSE_FORMAT =
  'Server-Sent Events (text/event-stream): each message is `id: <id>` and `data: <one JSON object>`; a comment ' +
  'line every 15 s keeps the connection alive; the last message is `event: end` with `{ code, message }` ' +
  '(code null for a normal end, else UNAUTHENTICATED for a revoked or expired key, STREAM_OVERFLOW for a reader ' +
  'that fell behind, SERVICE_STOPPING). Resume with the Last-Event-ID header (or `lastEventId`). Refusals before ' +
  'the stream starts are problem+json answers. Each stream counts once against the rate limit and against ' +
  'MAX_STREAMS_PER_KEY while it is open.';

const sseResponse = (model: string, what: string) => ({
  status: 200,
  description: `${what} (text/event-stream; the data of each message is shown)`,
  content: { 'text/event-stream': { schema: { $ref: getSchemaPath(model) } } },
});

// The live streams over Server-Sent Events: thin, as every transport (the hub does the work).
@ApiTags('events')
@ApiBearerAuth()
@ApiExtraModels(EngineEventMessage, DeploymentProgressMessage)
@Controller(API_PREFIX)
export class EventsController {
  constructor(private readonly live: LiveEvents) {}

  @Get('events')
  @ApiOperation({
    summary: 'Follow the engine events of the networks and containers the key can see',
    description:
      'Network and container events as the engine reports them (created, started, stopped, connected...), caused ' +
      'through Switchyard or straight on the engine, filtered by the query parameters (all must match) and by the ' +
      "key's label scope: a scoped key gets only events of objects it can read, and a connect or disconnect only " +
      'when it can read both the network and the container. An id of the form `<epoch>-<n>` is given to every ' +
      'message; a resume outside the recent events kept (or from another run of the service) first gets a ' +
      'message of type `stream`, action `missed`. ' +
      SSE_FORMAT,
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this message id' })
  @ApiResponse(sseResponse('EngineEventMessage', 'The events, one message each'))
  @ApiProblems(400, 429, 503)
  @Allow('viewer')
  engineEvents(
    @Query() query: EngineEventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentActor() actor: Actor,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { lastEventId: fromQuery, ...filter } = query;
    const stream = this.live.openEngineEvents(actor, filter, 'sse', lastEventId ?? fromQuery);
    releaseInFlight(reply.request);
    return serveSse(reply, stream);
  }

  @Get('deployments/:id/events')
  @ApiOperation({
    summary: 'Follow the progress of one apply or destroy',
    description:
      'One message each time an action changes status (running, succeeded, failed, rolled_back, skipped), in ' +
      'order, with its index and the action; then one `finished` message with the deployment as it ended; then ' +
      'the stream ends. A deployment that already ended answers each action’s final state, then `finished`. ' +
      'Readable exactly as GET /api/v1/deployments/{id} (404 for a deployment out of reach). Message ids are the ' +
      'message numbers (1, 2, ...). ' +
      SSE_FORMAT,
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this message number' })
  @ApiResponse(sseResponse('DeploymentProgressMessage', 'The progress, one message each'))
  @ApiProblems(400, 404, 429)
  @Allow('viewer')
  async deploymentEvents(
    @Param('id') id: string,
    @Query() query: DeploymentEventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentActor() actor: Actor,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const stream = await this.live.openDeploymentProgress(actor, id, 'sse', lastEventId ?? query.lastEventId);
    releaseInFlight(reply.request);
    return serveSse(reply, stream);
  }
}
