import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { TemplateApplyModule } from './apply/apply.module';
import { DeploymentsController } from './deployments.controller';
import { TemplatesController } from './templates.controller';
import { TemplatesResolver } from './templates.resolver';
import { TemplatesService } from './templates.service';
import { TemplateValidationModule } from './validation/validation.module';

// Topology templates: storage and revisions (TemplatesService), the two transports, and through
// them the validator and the runtime (plan, apply, status, destroy, deployments).
@Module({
  imports: [DatabaseModule, TemplateValidationModule, TemplateApplyModule],
  controllers: [TemplatesController, DeploymentsController],
  providers: [TemplatesService, TemplatesResolver],
})
export class TemplatesModule {}
