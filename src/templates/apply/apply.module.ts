import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectivityModule } from '../../connectivity/connectivity.module';
import { DatabaseModule } from '../../database/database.module';
import { DeploymentEntity, TemplateEntity, TemplateRevisionEntity } from '../template.entity';
import { DeploymentStore } from './deployment-store';
import { TemplateRuntime } from './template-runtime';

// Plan, apply, status, destroy and deployments (owned by the apply workstream).
@Module({
  imports: [
    DatabaseModule,
    ConnectivityModule,
    TypeOrmModule.forFeature([TemplateEntity, TemplateRevisionEntity, DeploymentEntity]),
  ],
  providers: [TemplateRuntime, DeploymentStore],
  exports: [TemplateRuntime],
})
export class TemplateApplyModule {}
