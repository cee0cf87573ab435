import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/audit.service';
import { callOfRequest, routeOf } from '../audit/describe-call';
import { DomainError } from '../common/errors/domain-error';
import { isGraphqlPath, sendProblem } from '../common/http/problem.filter';
import { logSafe } from '../common/logging/log-text';
import type { AppConfig } from '../config/app-config';
import { bearerToken, noKeyMessage } from './api-key-secret';
import type { ApiKeysService } from './api-keys.service';
import type { RequestWithActor } from './access.decorators';
import { keyLimitsOf } from './rate-limiter';
import type { Actor } from './roles';

// Paths anyone may read: liveness for orchestrators, the API documents and the IDE page (the
// calls they make still need a key), and the icon browsers ask for with every page.
const PUBLIC = /^\/(health\/|api\/docs(\/|$)|api\/openapi\.(json|yaml)$|graphql\/ide\/|favicon\.ico$)/;

// What passes the gate without a key: reading (GET or HEAD, whose bodies Fastify never reads) a
// public path, and, only when CORS_ORIGINS is set, a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method), which the CORS hook answers before any body is read. Every
// other method on every path, OPTIONS included, needs a key.
function isPublic(request: FastifyRequest, corsEnabled: boolean): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return PUBLIC.test(request.url.split('?')[0]);
  return corsEnabled && isCorsPreflight(request);
}

export function isCorsPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    typeof request.headers.origin === 'string' &&
    typeof request.headers['access-control-request-method'] === 'string'
  );
}

// A refused request whose body is larger than this (or of unknown length) is answered with
// `Connection: close`, so that its body is never read (as Fastify does for a body over the limit);
// smaller ones are read and dropped unparsed, keeping the connection.
const UNREAD_BODY_CLOSE_BYTES = 64 * 1024;

// Answers a request refused at the gate, before its body has been read.
function refuseAtGate(reply: FastifyReply, request: FastifyRequest, error: DomainError): FastifyReply {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (request.headers['transfer-encoding'] !== undefined || !(declared <= UNREAD_BODY_CLOSE_BYTES))
    void reply.header('connection', 'close');
  return sendProblem(reply, request, error);
}

// The route a refusal is recorded under: the route's pattern, or for a path that matches no route
// its first characters, so that an entry stays small whatever the caller sends.
const UNKNOWN_PATH_KEPT = 128;
function boundedRoute(request: FastifyRequest): string {
  if (request.routeOptions?.url) return routeOf(request);
  return `${request.method} ${request.url.split('?')[0].slice(0, UNKNOWN_PATH_KEPT)}`;
}

// A request's slot among its key's MAX_IN_FLIGHT_PER_KEY, given back when its answer closes, or
// earlier by releaseInFlight.
const RELEASE_IN_FLIGHT = Symbol('releaseInFlight');
interface InFlightHolder {
  [RELEASE_IN_FLIGHT]?: () => void;
}

// An event stream, once open, gives its slot back: it may last hours and counts against
// MAX_STREAMS_PER_KEY instead (it was counted once against the rate limit when it was asked for).
export function releaseInFlight(request: FastifyRequest): void {
  (request as InFlightHolder)[RELEASE_IN_FLIGHT]?.();
}

// Addresses remembered as limited at most, so that a flood from many addresses stays bounded.
const MAX_LIMITED_REMEMBERED = 10_000;

// Before any route runs (Fastify onRequest: nothing of the body has been read or parsed yet):
// turns the bearer key into an actor, limits the rate per key, and bounds how many requests a
// key has in flight. A request without a valid key is answered 401 right here on every route
// but the public ones, on REST and GraphQL alike, so it costs no parsing, validation or
// GraphQL work. Such refusals spend a budget per client address (apart from the keys' budgets):
// within it each is audited as one bounded entry (address, route, reason; never the body),
// past it the answer is 429 and nothing is written.
export function registerRequestGate(
  fastify: FastifyInstance,
  keys: ApiKeysService,
  config: AppConfig,
  audit: AuditService,
): void {
  const logger = new Logger('RequestGate');
  const { limiter, inFlight, unauthenticated } = keyLimitsOf(config);
  const limitedAddresses = new Map<string, number>();
  const corsEnabled = config.CORS_ORIGINS.trim() !== '';

  // The actor of a valid key, or the refusal of a missing or failed one.
  const authenticate = async (
    presented: string | null | undefined,
    header?: unknown,
  ): Promise<Actor | DomainError> => {
    if (!presented) return new DomainError('UNAUTHENTICATED', noKeyMessage(header));
    try {
      return await keys.authenticate(presented);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  };

  const refuse = async (request: FastifyRequest, reply: FastifyReply, reason: DomainError) => {
    const address = request.ip;
    const verdict = unauthenticated.take(`ip:${address}`);
    if (!verdict.allowed) {
      // Counted, not audited: one log line when an address starts being limited, with the count
      // of refusals it had meanwhile when it stops.
      const suppressed = limitedAddresses.get(address);
      if (suppressed === undefined) {
        if (limitedAddresses.size >= MAX_LIMITED_REMEMBERED) limitedAddresses.clear();
        // The address may come from X-Forwarded-For (a trusted proxy's), as the client wrote it.
        logger.warn(
          `Requests without a valid key from ${logSafe(address, 64)} are rate-limited (429, not audited).`,
        );
      }
      limitedAddresses.set(address, (suppressed ?? 0) + 1);
      return refuseAtGate(
        reply,
        request,
        rateLimited(config, verdict.retryAfterSeconds, unauthenticated.limit),
      );
    }
    const suppressed = limitedAddresses.get(address);
    if (suppressed !== undefined) {
      limitedAddresses.delete(address);
      logger.warn(
        `${suppressed} requests without a valid key from ${address} were refused 429 and not audited.`,
      );
    }
    const refusal = new DomainError(reason.code, reason.message, {
      headers: { 'www-authenticate': 'Bearer' },
    });
    try {
      // Who, which route, why: no body, no query, no parameters.
      await audit.refused(
        callOfRequest(request, {}, isGraphqlPath(request.url) ? 'graphql' : 'rest'),
        boundedRoute(request),
        refusal,
      );
    } catch (error) {
      logger.error({ err: error }, 'could not record a request refused for its key');
    }
    return refuseAtGate(reply, request, refusal);
  };

  fastify.addHook('onRequest', async (request, reply) => {
    const presented = bearerToken(request.headers.authorization);
    if (isPublic(request, corsEnabled)) {
      // Public routes show more to a valid key (/health/ready); trying keys here spends the same
      // budget as anywhere, and an exhausted budget means the key is not even looked at.
      if (presented && unauthenticated.allows(`ip:${request.ip}`)) {
        const actor = await authenticate(presented);
        if (actor instanceof DomainError) unauthenticated.take(`ip:${request.ip}`);
        else (request as RequestWithActor).actor = actor;
      }
      return;
    }
    const actor = await authenticate(presented, request.headers.authorization);
    if (actor instanceof DomainError) return refuse(request, reply, actor);

    const caller = `key:${actor.keyId}`;
    const verdict = limiter.take(caller);
    if (!verdict.allowed)
      return refuseAtGate(reply, request, rateLimited(config, verdict.retryAfterSeconds, limiter.limit));
    void reply
      .header('x-ratelimit-limit', String(limiter.limit))
      .header('x-ratelimit-remaining', String(verdict.remaining));
    const running = inFlight.get(caller) ?? 0;
    if (running >= config.MAX_IN_FLIGHT_PER_KEY) {
      return refuseAtGate(
        reply,
        request,
        new DomainError(
          'RATE_LIMITED',
          `The key "${actor.name}" already has ${running} requests in progress (MAX_IN_FLIGHT_PER_KEY); wait for some to finish.`,
          {
            headers: { 'retry-after': '1' },
          },
        ),
      );
    }
    inFlight.set(caller, running + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (inFlight.get(caller) ?? 1) - 1;
      if (left > 0) inFlight.set(caller, left);
      else inFlight.delete(caller);
    };
    reply.raw.once('close', release);
    (request as InFlightHolder)[RELEASE_IN_FLIGHT] = release;
    (request as RequestWithActor).actor = actor;
  });
}

function rateLimited(config: AppConfig, retryAfterSeconds: number, limit: number): DomainError {
  return new DomainError(
    'RATE_LIMITED',
    `Too many requests: at most ${config.RATE_LIMIT_PER_SECOND} a second (bursts of ${config.RATE_LIMIT_BURST}). Retry after ${retryAfterSeconds} s.`,
    {
      headers: {
        'retry-after': String(retryAfterSeconds),
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': '0',
      },
    },
  );
}
