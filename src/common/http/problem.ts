import { DomainError } from '../errors/domain-error';
import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: Array<{ field: string; message: string }>;
  context?: Record<string, unknown>;
  requestId: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemOf(error: DomainError, requestId: string): Problem {
  return {
    type: `urn:switchyard:problem:${error.code}`,
    title: ERROR_CATALOG[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.context ? { context: error.context } : {}),
    requestId,
  };
}

// The same refusal in GraphQL's response shape, for answers on /graphql that never reach Apollo
// (no key, too large, not JSON, malformed, rate limited): clients there read `errors`, not a problem.
export interface GraphqlErrorBody {
  errors: Array<{ message: string; extensions: Record<string, unknown> }>;
}

export function graphqlErrorsOf(error: DomainError, requestId: string): GraphqlErrorBody {
  return {
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          status: error.status,
          ...(error.errors ? { errors: error.errors } : {}),
          ...(error.context ? { context: error.context } : {}),
          requestId,
        },
      },
    ],
  };
}

// Errors raised before our code runs (routing, body parsing) arrive as framework errors: give
// them the same shape and a stable code.
export function domainErrorFromFramework(error: unknown, method: string, url: string): DomainError | null {
  const e = error as { statusCode?: unknown; status?: unknown; code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : '';
  const status =
    typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.status === 'number' ? e.status : null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const path = url.split('?')[0];
  if (code === 'FST_ERR_MAX_PARAM_LENGTH' || status === 414) {
    return new DomainError(
      'URI_TOO_LONG',
      'A path segment is too long: names and ids are at most a few hundred characters.',
    );
  }
  if (code === 'FST_ERR_BAD_URL')
    return new DomainError('VALIDATION_FAILED', `The URL ${path} is malformed.`);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return new DomainError(
      'PAYLOAD_TOO_LARGE',
      'The request body is larger than this service accepts (BODY_LIMIT_BYTES).',
    );
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the request body as JSON with Content-Type: application/json.',
    );
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new DomainError(
      'VALIDATION_FAILED',
      'The request has Content-Type application/json but an empty body: send a JSON object.',
    );
  }
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ||
    error instanceof SyntaxError
  ) {
    return new DomainError('VALIDATION_FAILED', 'The request body is not valid JSON.');
  }
  if (/__proto__|constructor\.prototype|prototype/i.test(message) && status === 400) {
    return new DomainError(
      'VALIDATION_FAILED',
      'The request body contains a forbidden key (__proto__ or constructor.prototype).',
    );
  }
  if (status === 404)
    return new DomainError('NOT_FOUND', `No route ${method} ${path}. See /api/docs for the API.`);
  if (status === 405)
    return new DomainError('NOT_FOUND', `${method} is not allowed on ${path}. See /api/docs for the API.`);
  if (status !== null && status >= 400 && status < 500) {
    return new DomainError('VALIDATION_FAILED', message || 'Bad request');
  }
  return null;
}
