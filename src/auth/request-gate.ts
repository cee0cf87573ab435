import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/audit.service';
import { callOfRequest, dataOfHttp, routeOf } from '../audit/describe-call';
import { DomainError } from '../common/errors/domain-error';
import { sendProblem } from '../common/http/problem.filter';
import type { AppConfig } from '../config/app-config';
import { bearerToken } from './api-key-secret';
import type { ApiKeysService } from './api-keys.service';
import type { RequestWithActor } from './access.decorators';
import { keyLimitsOf } from './rate-limiter';

// Paths anyone may read: liveness for orchestrators, the API documents and the IDE page (the
// calls they make still need a key).
const PUBLIC = /^\/(health\/|api\/docs(\/|$)|api\/openapi\.(json|yaml)$|graphql\/ide\/)/;

function isPublic(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return PUBLIC.test(path) || request.method === 'OPTIONS';
}

// Before any route runs: turns the bearer key into an actor, limits the rate per key (per client
// address without one), and bounds how many requests a key has in flight. Covers REST and
// GraphQL alike; the guard then checks each operation's role.
export function registerRequestGate(
  fastify: FastifyInstance,
  keys: ApiKeysService,
  config: AppConfig,
  audit: AuditService,
): void {
  const { limiter, inFlight } = keyLimitsOf(config);

  fastify.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    const presented = bearerToken(request.headers.authorization);
    let actor: RequestWithActor['actor'];
    try {
      actor = presented ? await keys.authenticate(presented) : undefined;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Failed keys count against the client address, so guessing is slow too; past the limit
      // the answer is 429 and nothing more is written.
      const guessing = limiter.take(`ip:${request.ip}`);
      if (!guessing.allowed)
        return sendProblem(reply, request, rateLimited(config, guessing.retryAfterSeconds, limiter.limit));
      const refusal = new DomainError(error.code, error.message, {
        headers: { 'www-authenticate': 'Bearer' },
      });
      const graphql = request.url.startsWith('/graphql');
      await audit.refused(
        callOfRequest(request, graphql ? {} : dataOfHttp(request), graphql ? 'graphql' : 'rest'),
        graphql ? 'graphql.document' : routeOf(request),
        refusal,
      );
      return sendProblem(reply, request, refusal);
    }
    const caller = actor ? `key:${actor.keyId}` : `ip:${request.ip}`;
    const verdict = limiter.take(caller);
    if (!verdict.allowed)
      return sendProblem(reply, request, rateLimited(config, verdict.retryAfterSeconds, limiter.limit));
    void reply
      .header('x-ratelimit-limit', String(limiter.limit))
      .header('x-ratelimit-remaining', String(verdict.remaining));
    if (actor) {
      const running = inFlight.get(caller) ?? 0;
      if (running >= config.MAX_IN_FLIGHT_PER_KEY) {
        return sendProblem(
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
      reply.raw.once('close', () => {
        const left = (inFlight.get(caller) ?? 1) - 1;
        if (left > 0) inFlight.set(caller, left);
        else inFlight.delete(caller);
      });
      (request as RequestWithActor).actor = actor;
    }
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
