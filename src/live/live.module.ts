import { Module } from '@nestjs/common';
import { LiveEvents } from './live-events';

// Live events for clients: the hub, the SSE routes and the GraphQL subscriptions.
@Module({ providers: [LiveEvents], exports: [LiveEvents] })
export class LiveModule {}
