import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuditSpec } from '../audit/audit.types';
import { AUDIT_KEY } from '../audit/audited.decorator';
import { noteCall } from '../audit/describe-call';
import { DomainError } from '../common/errors/domain-error';
import { ACCESS_KEY, type Access, requestOf } from './access.decorators';
import { aRole, roleAtLeast } from './roles';

// Applied to every route and every GraphQL operation (APP_GUARD). The request gate has already
// turned the bearer key into an actor; this checks that there is one and that its role suffices.
// It records nothing itself: it notes what is being called (action, target, arguments), so that
// the transport's refusal recorder can name a refusal by its action.
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    noteCall(context, this.reflector.get<AuditSpec | undefined>(AUDIT_KEY, context.getHandler()));
    return this.check(context);
  }

  private check(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (access === 'public') return true;
    if (!access) {
      // Fail closed: a handler that forgot to declare its access is refused, and it is a bug.
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no access rule`);
      throw new DomainError('FORBIDDEN', 'This operation has no access rule, so nobody may call it.');
    }
    const actor = requestOf(context).actor;
    if (!actor) {
      throw new DomainError('UNAUTHENTICATED', 'This needs an API key: send "Authorization: Bearer <key>".', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    if (!roleAtLeast(actor.role, access)) {
      throw new DomainError(
        'FORBIDDEN',
        `This needs a key with the ${access} role${access === 'admin' ? '' : ' or higher'}; the key "${actor.name}" is ${aRole(actor.role)} key.`,
        { context: { needed: access, role: actor.role } },
      );
    }
    return true;
  }
}
