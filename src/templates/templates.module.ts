import { Module } from '@nestjs/common';
import { TemplateApplyModule } from './apply/apply.module';
import { TemplateValidationModule } from './validation/validation.module';

// Topology templates: storage, revisions, the two transports (owned by the transport workstream).
@Module({
  imports: [TemplateValidationModule, TemplateApplyModule],
})
export class TemplatesModule {}
