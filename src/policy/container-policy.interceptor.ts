import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import { policyViolations } from './container-policy';

// Runs before validation on the REST run route, so that a forbidden field gets 403
// POLICY_VIOLATION naming its rule rather than a plain "unknown field". (GraphQL refuses such
// fields in its own validation; its error mapping gives them the same code.)
@Injectable()
export class ContainerPolicyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() === 'http') {
      const violations = policyViolations(context.switchToHttp().getRequest<{ body?: unknown }>().body);
      if (violations.length) {
        throw new DomainError(
          'POLICY_VIOLATION',
          `Refused by policy: ${violations.map((v) => `${v.what} ("${v.field}", rule ${v.rule})`).join('; ')}. ` +
            'Switchyard never gives a container a way into the host.',
          {
            context: {
              rules: [...new Set(violations.map((v) => v.rule))],
              fields: violations.map((v) => v.field),
            },
          },
        );
      }
    }
    return next.handle();
  }
}
