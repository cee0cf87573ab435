import { Module } from '@nestjs/common';
import { TemplateValidator } from './template-validator';

// Template validation (owned by the validator workstream).
@Module({
  providers: [TemplateValidator],
  exports: [TemplateValidator],
})
export class TemplateValidationModule {}
