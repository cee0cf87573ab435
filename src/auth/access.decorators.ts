import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Actor, Role } from './roles';

export const ACCESS_KEY = 'switchyard:access';
export type Access = Role | 'public';

// Every route and every GraphQL operation declares who may call it; the guard refuses one that
// does not (and a test lists them all).
export const Allow = (role: Role) => SetMetadata(ACCESS_KEY, role);
export const Public = () => SetMetadata(ACCESS_KEY, 'public' satisfies Access);

export interface RequestWithActor {
  actor?: Actor;
}

export function requestOf(context: ExecutionContext): RequestWithActor {
  return context.getType<string>() === 'graphql'
    ? (GqlExecutionContext.create(context).getContext<{ req: RequestWithActor }>().req ?? {})
    : context.switchToHttp().getRequest<RequestWithActor>();
}

// The authenticated caller; the guard has made sure there is one.
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = requestOf(context).actor;
  if (!actor) throw new Error('CurrentActor used on a route without authentication');
  return actor;
});
