import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OPERATION_JOURNAL, Operations } from '../common/operation-context';
import { AppConfig } from '../config/app-config';
import { DatabaseModule } from '../database/database.module';
import { LookupModule } from '../lookup/lookup.module';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { AuditController } from './audit.controller';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditHistoryService } from './audit-history.service';
import { AuditInterceptor } from './audit.interceptor';
import { OperationLifecycle } from './audit-operation';
import { AuditQueryService } from './audit-query.service';
import { AuditRecovery } from './audit-recovery';
import { RefusalLog } from './audit-refusals';
import { AuditResolver } from './audit.resolver';
import { AuditRetention } from './audit-retention';
import { AuditService } from './audit.service';
import { AuditSnapshots } from './audit-snapshots';
import { AuditWriter } from './audit-writer';
import { Redactor } from './redact';

// The audit log: operations written through one interceptor on both transports, refusals by one
// recorder per transport, read over REST and GraphQL. The engine adapter reports its changes to
// the OPERATION_JOURNAL provided here.
@Global()
@Module({
  imports: [DatabaseModule, LookupModule, TypeOrmModule.forFeature([AuditEntryEntity, AuditAnchorEntity])],
  controllers: [AuditController],
  providers: [
    AuditWriter,
    AuditSnapshots,
    {
      provide: Redactor,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new Redactor(config.AUDIT_REDACT_PATTERN),
    },
    OperationLifecycle,
    RefusalLog,
    AuditRecovery,
    AuditRetention,
    AuditService,
    AuditQueryService,
    AuditHistoryService,
    AuditResolver,
    { provide: OPERATION_JOURNAL, useValue: Operations },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditService, RefusalLog, OPERATION_JOURNAL],
})
export class AuditModule {}
