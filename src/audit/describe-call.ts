import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import type { GraphQLResolveInfo } from 'graphql';
import type { Actor } from '../auth/roles';
import type { AuditedCall } from './audit.service';

type GatedRequest = FastifyRequest & { actor?: Actor };

export function callOfRequest(
  request: GatedRequest,
  data: Record<string, unknown>,
  transport: 'rest' | 'graphql',
): AuditedCall {
  return {
    transport,
    requestId: String(request.id ?? ''),
    actor: request.actor?.name ?? request.ip ?? 'unknown',
    data,
  };
}

// Who calls what, with which arguments, on either transport.
export function describeCall(context: ExecutionContext): { call: AuditedCall; readAction: string } {
  if (context.getType<string>() === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    const request = gql.getContext<{ req: GatedRequest }>().req;
    const info = gql.getInfo<GraphQLResolveInfo>();
    return {
      call: callOfRequest(request, { ...(gql.getArgs<Record<string, unknown>>() ?? {}) }, 'graphql'),
      readAction: `${info.parentType.name.toLowerCase()} ${info.fieldName}`,
    };
  }
  const request = context.switchToHttp().getRequest<GatedRequest>();
  return { call: callOfRequest(request, dataOfHttp(request), 'rest'), readAction: routeOf(request) };
}

export function dataOfHttp(request: FastifyRequest): Record<string, unknown> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const query = (request.query ?? {}) as Record<string, unknown>;
  return { ...params, ...query, ...(request.body !== undefined ? { input: request.body } : {}) };
}

export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions?.url ?? request.url.split('?')[0]}`;
}
