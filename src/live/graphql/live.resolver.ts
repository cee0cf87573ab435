import { Args, ID, Resolver, Subscription } from '@nestjs/graphql';
import { Allow, CurrentActor } from '../../auth/access.decorators';
import type { Actor } from '../../auth/roles';
import { LiveEvents } from '../live-events';
import { EngineEventFilterInput } from './engine-event-filter.input';
import { DeploymentProgressModel, EngineEventModel } from './live.models';
import {
  deploymentProgressOf,
  engineEventOf,
  resolvePayload,
  subscriptionOf,
  type SubscriptionPayload,
} from './live-subscription';

const LAST_EVENT_ID = {
  type: () => String,
  nullable: true,
  description: 'Resume after this message (its `eventId`/`id`), as Last-Event-ID does on SSE',
};

// The GraphQL side of the client streams: one hub stream per subscription (counted against
// MAX_STREAMS_PER_KEY), filtered by the key's role and label scope in the hub.
@Resolver()
export class LiveResolver {
  constructor(private readonly live: LiveEvents) {}

  @Subscription(() => EngineEventModel, {
    description: "Network and container events as the engine reports them, within the key's scope",
    resolve: (payload: SubscriptionPayload<EngineEventModel>) => resolvePayload(payload),
  })
  @Allow('viewer')
  engineEvents(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => EngineEventFilterInput, nullable: true }) filter?: EngineEventFilterInput,
    @Args('lastEventId', LAST_EVENT_ID) lastEventId?: string,
  ): AsyncIterableIterator<SubscriptionPayload<EngineEventModel>> {
    const stream = this.live.openEngineEvents(actor, filter ?? {}, 'graphql-ws', lastEventId ?? undefined);
    return subscriptionOf(stream, engineEventOf);
  }

  @Subscription(() => DeploymentProgressModel, {
    description:
      "A template apply's or destroy's actions as they change, in order, then the deployment as it ended; then the subscription completes",
    resolve: (payload: SubscriptionPayload<DeploymentProgressModel>) => resolvePayload(payload),
  })
  @Allow('viewer')
  async deploymentProgress(
    @Args('id', { type: () => ID }) id: string,
    @CurrentActor() actor: Actor,
    @Args('lastEventId', LAST_EVENT_ID) lastEventId?: string,
  ): Promise<AsyncIterableIterator<SubscriptionPayload<DeploymentProgressModel>>> {
    const stream = await this.live.openDeploymentProgress(actor, id, 'graphql-ws', lastEventId ?? undefined);
    return subscriptionOf(stream, deploymentProgressOf);
  }
}
