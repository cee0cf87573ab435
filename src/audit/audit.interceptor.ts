import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, lastValueFrom, mergeMap, type Observable, throwError } from 'rxjs';
import { Operations } from '../common/operation-context';
import { AuditService, isRefusal, type AuditSpec } from './audit.service';
import { AUDIT_KEY } from './audited.decorator';
import { describeCall } from './describe-call';

// Wraps every route and resolver: a mutation is run inside its audited operation (the engine
// adapter asks it to store the intent before the first change) and its outcome is stored before
// the answer leaves; any refused request is recorded too.
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_KEY, context.getHandler());
    if (!spec) {
      // Reads are recorded only when refused; nothing is prepared for them otherwise.
      return next.handle().pipe(
        catchError((error: unknown) => {
          if (!isRefusal(error)) return throwError(() => error);
          const { call, readAction } = describeCall(context);
          return from(this.audit.refused(call, readAction, error)).pipe(
            mergeMap(() => throwError(() => error)),
          );
        }),
      );
    }
    const operation = this.audit.begin(spec, describeCall(context).call);
    return from(
      Operations.run(operation, async () => {
        let result: unknown;
        try {
          result = await lastValueFrom(next.handle(), { defaultValue: undefined });
        } catch (error) {
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
