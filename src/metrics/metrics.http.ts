import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config';
import type { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

// Every answered request, whatever answered it (a route, the request gate, the not-found handler,
// a framework error), by its route pattern: Fastify's `routeOptions.url` is the pattern the
// router matched (/api/v1/networks/:ref), and is unset when none matched. GraphQL over HTTP is
// its route, /graphql.
//
// Fastify's onResponse runs when an answer is finished (or fails), not when the client goes away
// first: an event stream (SSE) the client closes never finishes. Such an answer is counted when its
// connection closes, with the status it was sent with (200 for a stream), provided its head was
// sent (a request the client abandoned before any answer got none). Each request counts once, and
// its duration is its whole life: for a stream, from the request to the end of the stream.
export function registerHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  const logger = new Logger('Metrics');
  const counted = new WeakSet<FastifyRequest>();
  const record = (request: FastifyRequest, reply: FastifyReply): void => {
    if (counted.has(request)) return;
    counted.add(request);
    try {
      metrics.observeHttp(
        request.method,
        request.routeOptions?.url ?? '',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    } catch (error) {
      // Measuring never fails a request.
      logger.error({ err: error }, 'could not record a request in the metrics');
    }
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    raw.once('close', () => {
      if (raw.headersSent && !raw.writableFinished) record(request, reply);
    });
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });
}

// GET /metrics, the Prometheus text exposition, when METRICS is not `off` (then the path is
// unknown like any other). Who may read it is the request gate's: with `key` (the default) any
// valid API key (every role), refused 401 like any route without one, and the key's rate limit
// applies; with `open` the path is public like /health (request-gate.ts). It lives outside the
// REST API (no /api/v1 prefix, not in the OpenAPI document): it is for Prometheus, not clients.
export function registerMetricsRoute(fastify: FastifyInstance, metrics: Metrics, config: AppConfig): void {
  if (config.METRICS === 'off') return;
  fastify.get(METRICS_PATH, async (_request, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
