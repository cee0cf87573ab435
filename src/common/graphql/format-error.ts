import { Logger } from '@nestjs/common';
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { DomainError, type FieldError } from '../errors/domain-error';
import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';
import { policyRuleForField } from '../../policy/container-policy';
import { tokenLimitMessage } from './document-rules';
import { catalogCodeOfStatus, transportProblem } from './transport-errors';

const logger = new Logger('GraphQLErrors');

// Errors of the GraphQL document itself keep Apollo's standard codes; bad variable values are
// the same mistake as a bad REST body and carry the same code.
const DOCUMENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const PERSISTED_QUERY_CODES = new Set(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

// Apollo's answers to a bad `extensions.persistedQuery` (automatic persisted queries).
function persistedQueryProblem(message: string): FieldError | null {
  if (message === 'provided sha does not match query')
    return {
      field: 'extensions.persistedQuery.sha256Hash',
      message:
        'extensions.persistedQuery.sha256Hash must be the SHA-256 (hex) of the query text sent with it',
    };
  if (message === 'Unsupported persisted query version')
    return {
      field: 'extensions.persistedQuery.version',
      message: 'extensions.persistedQuery.version must be 1',
    };
  return null;
}

function httpStatusOf(error: unknown): number | null {
  const status = (error as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http?.status;
  return typeof status === 'number' ? status : null;
}

// What a client is told about an error, without side effects (the audit log classifies with it too).
export function describeGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    return {
      ...base,
      message: original.message,
      extensions: {
        code: original.code,
        status: original.status,
        ...(original.errors ? { errors: original.errors } : {}),
        ...(original.context ? { context: original.context } : {}),
      },
    };
  }
  // Apollo re-labels the errors of validation rules GRAPHQL_VALIDATION_FAILED; ours keep their own code.
  const ownCode = (error as { originalError?: { extensions?: { code?: unknown } } } | null)?.originalError
    ?.extensions?.code;
  const code = typeof ownCode === 'string' && ownCode in ERROR_CATALOG ? ownCode : formatted.extensions?.code;
  if (code === 'BAD_USER_INPUT')
    return {
      ...base,
      message: withoutVariableValue(base.message),
      extensions: { code: 'VALIDATION_FAILED', status: 400 },
    };
  const tooManyTokens = code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitMessage(formatted.message) : null;
  if (tooManyTokens) {
    return { ...base, message: tooManyTokens, extensions: { code: 'QUERY_TOO_COMPLEX', status: 400 } };
  }
  const apq = persistedQueryProblem(formatted.message);
  if (apq) {
    return {
      ...base,
      message: `Invalid input. ${apq.message}`,
      extensions: { code: 'VALIDATION_FAILED', status: 400, errors: [apq] },
    };
  }
  // Our own validation rules and plugins raise GraphQLErrors with catalog codes.
  if (typeof code === 'string' && code in ERROR_CATALOG) {
    const errors = formatted.extensions?.errors;
    return {
      ...base,
      extensions: {
        code,
        status: ERROR_CATALOG[code as ErrorCode].status,
        ...(Array.isArray(errors) ? { errors } : {}),
      },
    };
  }
  // The input types are the allowlist: a forbidden container field is unknown to the schema.
  // Name the policy rule, as REST does.
  const unknownField = /^Field "(\w+)" is not defined by type "RunContainerInput"/.exec(formatted.message);
  const rule = unknownField ? policyRuleForField(unknownField[1]) : null;
  if (rule) {
    return {
      ...base,
      message: `Refused by policy: ${rule.what} ("${unknownField?.[1] ?? ''}", rule ${rule.rule}). Switchyard never gives a container a way into the host.`,
      extensions: { code: 'POLICY_VIOLATION', status: 403, context: { rules: [rule.rule] } },
    };
  }
  // Apollo's refusals of a request carry their HTTP status (405 for a method it does not
  // serve): the extensions say the same.
  const status = httpStatusOf(error);
  // An automatic persisted query the service does not hold (or persisted queries off) is answered
  // with HTTP 200, as Apollo's protocol has it: the client's cue to send the query again (Apollo
  // iOS and Kotlin read no GraphQL errors from a 4xx). Its `status` says the same 200.
  if (typeof code === 'string' && PERSISTED_QUERY_CODES.has(code))
    return { ...base, extensions: { code, status: 200 } };
  if (typeof code === 'string' && DOCUMENT_CODES.has(code))
    return {
      ...base,
      extensions: { code, status: status !== null && status >= 400 && status < 500 ? status : 400 },
    };
  // Apollo's refusals of the request itself (GET without the CSRF header, no query, ...).
  if (code === 'BAD_REQUEST' || (status !== null && status >= 400 && status < 500)) {
    const httpStatus = status !== null && status >= 400 && status < 500 ? status : 400;
    const problem = transportProblem(base.message, httpStatus);
    return { ...base, message: problem.message, extensions: { code: problem.code, status: httpStatus } };
  }
  return {
    ...base,
    message: 'Internal error. Quote the request id when reporting it.',
    extensions: { code: 'INTERNAL_ERROR', status: 500 },
  };
}

// graphql-js repeats a bad variable's value in its message (`Variable "$input" got invalid value
// {...} at "input.start"; Boolean cannot represent a non boolean value: "..."`), and the value may
// be a secret: the message keeps the variable, the path and a reason without any value.
export function withoutVariableValue(message: string): string {
  const head = /^Variable "(\$\w+)" got invalid value /.exec(message);
  if (!head) return message;
  const split = message.lastIndexOf('; ');
  const before = split >= 0 ? message.slice(0, split) : message;
  const at = / at "([\w.[\]-]{1,200})"$/.exec(before);
  const reason = safeReason(split >= 0 ? message.slice(split + 2) : '');
  return `Variable "${head[1]}" got an invalid value${at ? ` at "${at[1]}"` : ''}: ${reason} (the value is not repeated here).`;
}

function safeReason(reason: string): string {
  if (/^Field "\w+" is not defined by type "\w+"\.$/.test(reason)) return reason.slice(0, -1);
  if (/^Field "\w+" of required type "[\w![\]]+" was not provided\.$/.test(reason))
    return reason.slice(0, -1);
  // The StringMap scalar's own refusal quotes nothing the caller sent.
  if (reason.includes('StringMap must be an object whose values are strings'))
    return 'expected a StringMap, an object whose values are strings such as {"team": "a"}';
  if (reason.includes('StringMap value of "')) return 'each value of a StringMap must be a string';
  const cannot = /^(\w+ cannot represent [a-z -]+)/.exec(reason);
  if (cannot) return cannot[1].trim();
  const expected = /^Expected type "([\w![\]]+)"/.exec(reason);
  if (expected) return `expected type "${expected[1]}"`;
  return "it does not fit the variable's type";
}

// Apollo's formatError: the description, with anything unexpected logged once, in full.
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const described = describeGraphqlError(formatted, error);
  if (described.extensions?.code === 'INTERNAL_ERROR')
    logger.error({ err: unwrapResolverError(error) }, 'unhandled GraphQL error');
  return described;
}

// Adds the request id to every error, so a GraphQL user can quote it like a REST user.
export function requestIdPlugin(): ApolloServerPlugin<{ req?: { id?: unknown } }> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ response, contextValue }) => {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return Promise.resolve();
          const id = contextValue.req?.id;
          const requestId = typeof id === 'string' ? id : '';
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId },
          }));
          return Promise.resolve();
        },
      }),
  };
}

// Every answer on /graphql carries the request id in each error, also those Apollo sends without
// running its request pipeline (batching disabled, CSRF block, a malformed request), and a code
// and a status (the HTTP one) in each error that has none. Answers the payload to send: the
// same text when nothing needed adding.
export function graphqlPayloadInShape(payload: string, requestId: string, httpStatus: number): string {
  if (!payload.includes('"errors"')) return payload;
  if (httpStatus < 400 && payload.includes('"requestId"')) return payload;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return payload;
  let changed = false;
  const shaped = errors.map((error: unknown) => {
    if (error === null || typeof error !== 'object') return error;
    const e = error as GraphQLFormattedError;
    const extensions: Record<string, unknown> = { ...e.extensions };
    if (typeof extensions.requestId !== 'string') extensions.requestId = requestId;
    if (typeof extensions.status !== 'number' && httpStatus >= 400) extensions.status = httpStatus;
    if (typeof extensions.code !== 'string' || extensions.code === 'BAD_REQUEST')
      extensions.code = catalogCodeOfStatus(httpStatus);
    changed ||= JSON.stringify(extensions) !== JSON.stringify(e.extensions);
    return { ...e, extensions };
  });
  return changed ? JSON.stringify({ ...(body as object), errors: shaped }) : payload;
}
