import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { noteRequestCause } from '../logging/request-log';
import { domainErrorFromFramework, graphqlErrorsOf, problemOf, PROBLEM_CONTENT_TYPE } from './problem';

// REST's one exception mapping: every error leaves as application/problem+json with a stable code.
// GraphQL errors pass through untouched; Apollo's formatError maps them.
// REST's refusal recorder: every error passes it once, and it records those that are refusals
// (bad JSON, too large, no key, wrong role, validation, policy); the audit module provides it.
export const REFUSAL_RECORDER = Symbol('REFUSAL_RECORDER');
export interface RefusalRecorder {
  recordRestRefusal(request: FastifyRequest, error: DomainError): Promise<void>;
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Optional() @Inject(REFUSAL_RECORDER) private readonly refusals?: RefusalRecorder) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') return exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const error = toDomainError(exception, request);
    if (error.code === 'INTERNAL_ERROR') {
      this.logger.error({ err: exception, requestId: request.id }, 'unhandled error');
    }
    // A 5xx's request line is logged at error with its cause.
    if (error.status >= 500) noteRequestCause(reply.raw, exception);
    if (!this.refusals) return sendProblem(reply, request, error);
    // The refusal is stored before the answer leaves, like every other outcome.
    return this.refusals
      .recordRestRefusal(request, error)
      .catch((e: unknown) => this.logger.error({ err: e }, 'could not record a refused request'))
      .then(() => sendProblem(reply, request, error));
  }
}

export function toDomainError(exception: unknown, request: FastifyRequest): DomainError {
  if (exception instanceof DomainError) return exception;
  const framework =
    exception instanceof HttpException
      ? domainErrorFromFramework(
          { statusCode: exception.getStatus(), message: exception.message },
          request.method,
          request.url,
        )
      : domainErrorFromFramework(exception, request.method, request.url);
  return (
    framework ??
    new DomainError('INTERNAL_ERROR', `Internal error. Quote request id ${request.id} when reporting it.`)
  );
}

// The GraphQL endpoint (not the IDE's assets under /graphql/ide/).
export function isGraphqlPath(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/graphql' || path === '/graphql/';
}

// One refusal, in the shape the endpoint's clients read: GraphQL's `errors` on /graphql,
// problem+json everywhere else; the HTTP status is the same.
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: DomainError): FastifyReply {
  for (const [name, value] of Object.entries(error.options.headers ?? {})) void reply.header(name, value);
  if (isGraphqlPath(request.url)) {
    return reply
      .status(error.status)
      .type('application/json; charset=utf-8')
      .send(graphqlErrorsOf(error, String(request.id)));
  }
  return reply
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemOf(error, String(request.id)));
}
