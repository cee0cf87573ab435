import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import type { GraphQLResolveInfo } from 'graphql';
import type { Actor } from '../auth/roles';
import type { AuditedCall, AuditSpec } from './audit.types';

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
    actorKeyId: request.actor?.keyId ?? null,
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

// What the refusal recorder of a transport needs to know about a call that reached a handler:
// its action, target and arguments, and whether its operation already wrote its outcome.
export interface CallNote {
  action: string;
  target?: AuditSpec['target'];
  call: AuditedCall;
  operationId?: string;
  outcomeWritten?: boolean;
}

const NOTES = Symbol('switchyard.auditNotes');
type Noted = { [NOTES]?: Map<string, CallNote> };

// The note of a call, made once per REST request and per GraphQL root field (nested fields
// belong to their root field's call); the guard makes it first, the interceptor reads it.
export function noteCall(context: ExecutionContext, spec: AuditSpec | undefined): CallNote | undefined {
  const { holder, key } = noteSlot(context);
  if (!holder) return undefined;
  const notes = (holder[NOTES] ??= new Map<string, CallNote>());
  let note = notes.get(key);
  if (!note) {
    const { call, readAction } = describeCall(context);
    note = { action: spec?.action ?? readAction, target: spec?.target, call };
    notes.set(key, note);
  }
  return note;
}

export function restNote(request: FastifyRequest): CallNote | undefined {
  return (request as Noted)[NOTES]?.get('');
}

export function graphqlNote(contextValue: object, rootKey: string): CallNote | undefined {
  return (contextValue as Noted)[NOTES]?.get(rootKey);
}

function noteSlot(context: ExecutionContext): { holder: Noted | undefined; key: string } {
  if (context.getType<string>() === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    // Only root fields are calls of their own.
    if (info.path.prev !== undefined) return { holder: undefined, key: '' };
    return { holder: gql.getContext<Noted>(), key: String(info.path.key) };
  }
  return { holder: context.switchToHttp().getRequest<Noted>(), key: '' };
}
