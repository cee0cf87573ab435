import { Module } from '@nestjs/common';
import { LiveResolver } from './graphql/live.resolver';
import { LiveEvents } from './live-events';

// Live events for clients: the hub, the SSE routes and the GraphQL subscriptions.
@Module({ providers: [LiveEvents, LiveResolver], exports: [LiveEvents] })
export class LiveModule {}
