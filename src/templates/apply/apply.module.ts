import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectivityModule } from '../../connectivity/connectivity.module';
import { DatabaseModule } from '../../database/database.module';
import { DeploymentEntity, TemplateEntity, TemplateRevisionEntity } from '../template.entity';
import { TemplateValidationModule } from '../validation/validation.module';
import { DeploymentEvents } from './deployment-events';
import { DeploymentStore } from './deployment-store';
import { TemplateRuntime } from './template-runtime';

// Plan, apply, status, destroy and deployments (owned by the apply workstream).
@Module({
  imports: [
    DatabaseModule,
    ConnectivityModule,
    // Apply checks the stored document again for the calling key.
    TemplateValidationModule,
    TypeOrmModule.forFeature([TemplateEntity, TemplateRevisionEntity, DeploymentEntity]),
  ],
  providers: [TemplateRuntime, DeploymentStore, DeploymentEvents],
  exports: [TemplateRuntime, DeploymentEvents],
})
export class TemplateApplyModule {}
