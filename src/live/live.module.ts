import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { TemplateApplyModule } from '../templates/apply/apply.module';
import { EventsController } from './events.controller';
import { LiveEvents } from './live-events';

// Live events for clients: the hub, the SSE routes and the GraphQL subscriptions.
@Module({
  imports: [DatabaseModule, TemplateApplyModule],
  controllers: [EventsController],
  providers: [LiveEvents],
  exports: [LiveEvents],
})
export class LiveModule {}
