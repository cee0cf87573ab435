import { Module } from '@nestjs/common';
import { TemplateRuntime } from './template-runtime';

// Plan, apply, status, destroy and deployments (owned by the apply workstream).
@Module({
  providers: [TemplateRuntime],
  exports: [TemplateRuntime],
})
export class TemplateApplyModule {}
