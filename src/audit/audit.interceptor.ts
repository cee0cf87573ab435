import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Operations } from '../common/operation-context';
import { OperationLifecycle } from './audit-operation';
import { isRefusal } from './audit-wording';
import type { AuditSpec } from './audit.types';
import { AUDIT_KEY } from './audited.decorator';
import { describeCall, noteCall } from './describe-call';

// Wraps every route and resolver: a mutation is run inside its audited operation (the engine
// adapter asks the journal to store the intent before the first change) and its outcome is
// stored before the answer leaves. Refusals are not written here: each transport's refusal
// recorder writes them, once (see RefusalLog); this only tells it about the operation.
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly lifecycle: OperationLifecycle,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_KEY, context.getHandler());
    if (!spec) return next.handle();
    const note = noteCall(context, spec);
    const operation = this.lifecycle.begin(spec, note?.call ?? describeCall(context).call);
    if (note) note.operationId = operation.operationId;
    return from(
      Operations.run(operation, async () => {
        let result: unknown;
        try {
          result = await lastValueFrom(next.handle(), { defaultValue: undefined });
        } catch (error) {
          // Marked first: a refusal recorder must not write a second outcome even if this fails.
          if (note && (operation.changed || !isRefusal(error))) note.outcomeWritten = true;
          await operation
            .failed(error)
            .catch((e: unknown) => this.logger.error({ err: e }, 'could not record a failed outcome'));
          throw error;
        }
        await operation
          .succeeded(result)
          .catch((e: unknown) => this.logger.error({ err: e }, 'could not record an outcome'));
        return result;
      }),
    );
  }
}
