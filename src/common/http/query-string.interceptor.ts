import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DomainError, type FieldError } from '../errors/domain-error';

// Which kinds of arguments a route handler declares (@Query, @Body, ...).
function argumentKinds(context: ExecutionContext): Set<number> {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ??
    {}) as Record<string, unknown>;
  return new Set(Object.keys(args).map((key) => Number(key.split(':')[0])));
}

// A query string on a route that takes none was silently ignored: on a destructive call that is a
// trap (`POST /networks/prune?labels=x=1` pruned without the filter). Routes that read query
// parameters (a @Query DTO) refuse unknown ones through the validation pipe; the others, other
// than GET and HEAD, refuse any.
export function queryStringRefusal(
  method: string,
  path: string,
  query: Record<string, unknown>,
  hasBody: boolean,
): DomainError | null {
  const names = Object.keys(query);
  if (names.length === 0) return null;
  const where = hasBody
    ? `${method} ${path} takes its input in the JSON body, not the query string: send {"${names[0]}": ...} as the body`
    : `${method} ${path} takes no query parameters`;
  const errors: FieldError[] = names.map((name) => ({
    field: `query.${name}`,
    message: `query.${name} is not accepted here; ${where}`,
  }));
  return DomainError.validation(errors);
}

@Injectable()
export class QueryStringInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method === 'GET' || request.method === 'HEAD') return next.handle();
    const kinds = argumentKinds(context);
    if (kinds.has(RouteParamtypes.QUERY)) return next.handle();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const refusal = queryStringRefusal(
      request.method,
      request.url.split('?')[0],
      query,
      kinds.has(RouteParamtypes.BODY),
    );
    if (refusal) throw refusal;
    return next.handle();
  }
}
