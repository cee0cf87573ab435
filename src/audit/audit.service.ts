import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import type { FastifyRequest } from 'fastify';
import type { GraphQLError } from 'graphql';
import type { DomainError } from '../common/errors/domain-error';
import { OperationLifecycle, type AuditedOperation } from './audit-operation';
import { RefusalLog } from './audit-refusals';
import { AuditRecovery } from './audit-recovery';
import { AuditRetention } from './audit-retention';
import type { AuditedCall, AuditSpec } from './audit.types';

export { isRefusal } from './audit-wording';
export type { AuditedCall, AuditSpec, TargetKind, Transport } from './audit.types';
export { AuditedOperation } from './audit-operation';

// The audit log's front: what other modules call. Each job lives in its own class:
// OperationLifecycle (intent and outcome of each change), RefusalLog (refused requests, one
// recorder per transport), AuditRecovery (interrupted operations at start), AuditRetention (old
// entries), audit-wording (what entries say).
@Injectable()
export class AuditService implements OnApplicationBootstrap {
  constructor(
    private readonly lifecycle: OperationLifecycle,
    private readonly refusals: RefusalLog,
    private readonly recovery: AuditRecovery,
    private readonly retention: AuditRetention,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.recoverInterrupted();
    await this.retention.start();
  }

  begin(spec: AuditSpec, call: AuditedCall): AuditedOperation {
    return this.lifecycle.begin(spec, call);
  }

  // A request refused before it ran: one outcome entry, no intent.
  refused(
    call: AuditedCall,
    action: string,
    error: DomainError,
    target?: AuditSpec['target'],
  ): Promise<void> {
    return this.refusals.refused(call, action, error, target);
  }

  recordRestRefusal(request: FastifyRequest, error: DomainError): Promise<void> {
    return this.refusals.recordRestRefusal(request, error);
  }

  graphqlRefusalPlugin(): ApolloServerPlugin<{ req?: FastifyRequest }> {
    return this.refusals.graphqlPlugin();
  }

  // The errors of a GraphQL operation run outside Apollo (graphql-ws): refusals recorded as the
  // plugin records them over HTTP.
  recordGraphqlRefusals(
    errors: readonly GraphQLError[],
    contextValue: { req?: FastifyRequest },
    operationName: string | null,
  ): Promise<void> {
    return this.refusals.recordGraphqlRefusals(errors, contextValue, operationName);
  }

  recoverInterrupted(): Promise<number> {
    return this.recovery.recoverInterrupted();
  }

  // The number of entries removed.
  applyRetention(now = Date.now()): Promise<number> {
    return this.retention.apply(now);
  }
}
