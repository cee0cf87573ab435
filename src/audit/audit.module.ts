import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { LookupModule } from '../lookup/lookup.module';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { AuditController } from './audit.controller';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditHistoryService } from './audit-history.service';
import { AuditInterceptor } from './audit.interceptor';
import { AuditQueryService } from './audit-query.service';
import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';
import { AuditSnapshots } from './audit-snapshots';
import { AuditWriter } from './audit-writer';

// The audit log: written through one interceptor on both transports (and the refusal paths
// around it), read over REST and GraphQL.
@Global()
@Module({
  imports: [DatabaseModule, LookupModule, TypeOrmModule.forFeature([AuditEntryEntity, AuditAnchorEntity])],
  controllers: [AuditController],
  providers: [
    AuditWriter,
    AuditSnapshots,
    AuditService,
    AuditQueryService,
    AuditHistoryService,
    AuditResolver,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditService],
})
export class AuditModule {}
