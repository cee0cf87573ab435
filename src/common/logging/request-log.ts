import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ERROR_CATALOG } from '../errors/error-codes';
import { logSafe, redactedHeaders, secretNameMatcher } from './log-text';
import { requestContext } from './request-context';

// What the request line says beyond method, url, status and duration: the error code of a
// refused request, and for GraphQL (often 200 with errors) the operation and its errors' codes.
export interface RequestLogNotes {
  code?: string;
  graphqlErrors?: string[];
  operationName?: string;
  operationType?: string;
}

const NOTES = Symbol('requestLogNotes');
type Noted = IncomingMessage & { [NOTES]?: RequestLogNotes };

export function noteForRequestLog(request: IncomingMessage, notes: RequestLogNotes): void {
  const noted = request as Noted;
  noted[NOTES] = { ...noted[NOTES], ...notes };
}

function notesOf(request: IncomingMessage): RequestLogNotes {
  return (request as Noted)[NOTES] ?? {};
}

// The cause of a 5xx, for its request line (logged as `err`).
export function noteRequestCause(response: ServerResponse, cause: unknown): void {
  (response as unknown as { err?: unknown }).err = cause;
}

// Query parameters that may carry what is not for logs (GraphQL over GET puts its variables there),
// besides those whose names say secret (AUDIT_REDACT_PATTERN, authorization, cookie).
const SECRET_QUERY = new Set(['variables', 'extensions']);
const MAX_URL_CHARS = 2048;
const DEFAULT_SECRET_NAME = secretNameMatcher('pass|secret|token|key');

export function loggableUrl(url: string | undefined, isSecret = DEFAULT_SECRET_NAME): string {
  const raw = url ?? '';
  const at = raw.indexOf('?');
  if (at < 0) return raw.slice(0, MAX_URL_CHARS);
  const params = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(raw.slice(at + 1)))
    params.append(name, SECRET_QUERY.has(name) || isSecret(name) ? '[redacted]' : value);
  const query = params.toString();
  return `${raw.slice(0, at)}${query ? `?${query.replace(/%5Bredacted%5D/g, '[redacted]')}` : ''}`.slice(
    0,
    MAX_URL_CHARS,
  );
}

const STARTED = Symbol('requestLogStarted');
function startOf(response: ServerResponse): number {
  return (response as ServerResponse & { [STARTED]?: number })[STARTED] ?? Date.now();
}

// A code of ours with a 5xx status, or Apollo's own for an unexpected failure.
export function isServerSide(code: string): boolean {
  const status = (ERROR_CATALOG as Record<string, { status: number } | undefined>)[code]?.status;
  return status !== undefined ? status >= 500 : code === 'INTERNAL_SERVER_ERROR';
}

// 5xx (or a GraphQL answer with a server-side error) at error: something an operator must look
// at. 4xx at info: the caller's mistake, answered as designed, and no sign of trouble in the service.
// A readiness probe's 503 at warn: probes repeat every few seconds while the engine is away, and
// the service says once, at error, what failed when a request needed it.
function levelOf(
  request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): 'info' | 'warn' | 'error' {
  if (!error && response.statusCode === 503 && (request.url ?? '').startsWith('/health/')) return 'warn';
  if (error || response.statusCode >= 500) return 'error';
  const codes = notesOf(request).graphqlErrors ?? [];
  return codes.some(isServerSide) ? 'error' : 'info';
}

function messageOf(request: IncomingMessage, response: ServerResponse, ms: number): string {
  const notes = notesOf(request);
  const operation = notes.operationType
    ? ` ${notes.operationType}${notes.operationName ? ` ${logSafe(notes.operationName)}` : ''}`
    : '';
  const codes = notes.graphqlErrors?.length ? notes.graphqlErrors.join(',') : notes.code;
  const url = logSafe((request.url ?? '').split('?')[0], 256);
  return `${request.method} ${url}${operation} ${response.statusCode}${codes ? ` ${codes}` : ''} in ${ms} ms`;
}

// The error codes an answer carries: `code` of a problem+json answer, `extensions.code` of each
// error of a GraphQL answer (only /graphql answers in GraphQL's shape: a problem's `errors` are
// its field errors).
export function codesOfPayload(payload: string, graphql: boolean): RequestLogNotes {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return {};
  }
  if (body === null || typeof body !== 'object') return {};
  const { code, errors } = body as { code?: unknown; errors?: unknown };
  const notes: RequestLogNotes = {};
  if (typeof code === 'string') notes.code = code;
  if (graphql && Array.isArray(errors)) {
    notes.graphqlErrors = errors
      .map((e: unknown) => (e as { extensions?: { code?: unknown } } | null)?.extensions?.code)
      .map((c) => (typeof c === 'string' ? c : 'UNKNOWN'));
  }
  return notes;
}

// Answers larger than this are not parsed for their codes (a large GraphQL answer with errors).
const MAX_PARSED_PAYLOAD = 1024 * 1024;

// One line per request (method, url without secrets, status, duration in responseTime, error
// code), and the request's id on every line written while it is handled. Registered before any
// other hook, so that the request gate's lines carry the id too.
export function registerRequestLogging(
  fastify: FastifyInstance,
  logger: Logger,
  redactPattern = 'pass|secret|token|key',
): void {
  const isSecret = secretNameMatcher(redactPattern);
  const serializeRequest = (req: IncomingMessage) => ({
    method: req.method,
    url: loggableUrl(req.url, isSecret),
    headers: redactedHeaders(req.headers, isSecret),
    remoteAddress: req.socket?.remoteAddress,
  });
  // The line is written when the answer is sent (or the connection closes first). Nothing of it is
  // built unless its level is enabled: most requests of a busy service are logged at info, and a
  // service run at warn pays only for the listener.
  const writeLine = (req: IncomingMessage, res: ServerResponse, error?: Error): void => {
    const ms = Date.now() - startOf(res);
    const level = levelOf(req, res, error);
    if (!logger.isLevelEnabled(level)) return;
    const reqId = (req as { id?: string }).id ?? '';
    const cause = error ?? (res as { err?: Error }).err;
    if (cause || res.statusCode >= 500) {
      const err = cause ?? new Error(`failed with status code ${res.statusCode}`);
      const fields = { reqId, req: serializeRequest(req), res: { statusCode: res.statusCode }, err };
      logger[level]({ ...fields, responseTime: ms, ...notesOf(req) }, messageOf(req, res, ms));
      return;
    }
    const fields = { reqId, req: serializeRequest(req), res: { statusCode: res.statusCode } };
    logger[level]({ ...fields, responseTime: ms, ...notesOf(req) }, messageOf(req, res, ms));
  };
  const track = (req: IncomingMessage, res: ServerResponse): void => {
    if ((req.url ?? '').startsWith('/health/live')) return;
    const complete = (error?: Error): void => {
      res.removeListener('close', complete);
      res.removeListener('finish', complete);
      res.removeListener('error', complete);
      writeLine(req, res, error);
    };
    res.on('close', complete);
    res.on('finish', complete);
    res.on('error', complete);
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    (reply.raw as ServerResponse & { [STARTED]?: number })[STARTED] = Date.now();
    track(request.raw, reply.raw);
    requestContext.run({ reqId: String(request.id) }, done);
  });
  // The body arrives on the socket's events, outside the context entered above: enter it again
  // for the handler.
  fastify.addHook('preHandler', (request, _reply, done) => {
    requestContext.run({ reqId: String(request.id) }, done);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const graphql = isGraphqlUrl(request.url);
    if (reply.statusCode >= 400 || graphql) {
      const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload : null;
      if (text !== null && text.length <= MAX_PARSED_PAYLOAD) {
        const body = text.toString();
        if (reply.statusCode >= 400 || body.includes('"errors"')) {
          const notes = codesOfPayload(body, graphql);
          if (!notes.code && reply.statusCode >= 400 && notes.graphqlErrors?.length)
            notes.code = notes.graphqlErrors[0];
          noteForRequestLog(request.raw, notes);
        }
      }
    }
    done(null, payload);
  });
}

function isGraphqlUrl(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/graphql' || path === '/graphql/';
}
