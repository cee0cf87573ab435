import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { DomainError } from './common/errors/domain-error';
import { isGraphqlPath, sendProblem, toDomainError } from './common/http/problem.filter';
import { graphqlPayloadInShape } from './common/graphql/format-error';
import type { AppConfig } from './config/app-config';
import type { ContainerEngine } from './engine/engine.port';
import { ApiKeysService } from './auth/api-keys.service';
import { AuditService } from './audit/audit.service';
import { isCorsPreflight, registerRequestGate } from './auth/request-gate';
import { registerGraphiql } from './graphiql/graphiql.hook';
import { registerUi } from './ui/ui.hook';
import { Metrics } from './metrics/metrics';
import { registerHttpMetrics, registerMetricsRoute } from './metrics/metrics.http';
import { setupOpenApi } from './openapi';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepError } from './common/http/json-depth';
import { trustedProxyList } from './common/net/trusted-proxies';
import { createLoggers, PinoLoggerService } from './common/logging/app-logger';
import { registerRequestLogging } from './common/logging/request-log';
import { clientErrorHandler } from './common/http/client-error';
import { acceptsYaml, YAML_MEDIA_TYPES, YamlBody } from './templates/template-body';

// A client's request id is kept only as a short, safe token: it lands in logs, answers and the audit log.
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

// The 415 of a body in a media type the route does not take: what it does take.
function mediaRefused(request: { method: string; routeOptions?: { url?: string } }): DomainError {
  if (acceptsYaml(request.method, request.routeOptions?.url)) {
    return new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the document as JSON (Content-Type: application/json) or as YAML (Content-Type: application/yaml).',
    );
  }
  return new DomainError(
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the request body as JSON with Content-Type: application/json.',
  );
}

// Builds the whole application: main.ts and the tests share it, so tests run what users run.
export async function createApp(
  config: AppConfig,
  options: {
    // Where the log lines go instead of stdout (tests read them).
    logStream?: NodeJS.WritableStream;
    // Another implementation of the engine port instead of the dockerode adapter (tests).
    engine?: ContainerEngine;
  } = {},
): Promise<NestFastifyApplication> {
  const loggers = createLoggers(config, options.logStream);
  const adapter = new FastifyAdapter({
    // An oversized URL or headers (Node's 431) in the shape of every other answer.
    clientErrorHandler: clientErrorHandler(loggers.http),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // The client address (rate-limit bucket, audit actor) comes from X-Forwarded-For only when the
    // peer is a configured proxy, and then is the rightmost hop that is not one.
    trustProxy: config.TRUSTED_PROXIES.trim() ? (trustedProxyList(config.TRUSTED_PROXIES) ?? false) : false,
    // Keep a caller's request id when it is sane, so that logs join up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      (req as IncomingMessage & { id?: string }).id = id;
      return id;
    },
    // Errors the router raises before any route runs (malformed URL, overlong segment).
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      void sendProblem(reply, request, toDomainError(error, request)),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.engine),
    adapter,
    { logger: new PinoLoggerService(loggers.app) },
  );

  const fastify = app.getHttpAdapter().getInstance();
  registerHttpMetrics(fastify, app.get(Metrics));
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    // Apollo's own refusals of a request (before its pipeline) in the shape of every other answer.
    if (typeof payload === 'string' && isGraphqlPath(request.url))
      return graphqlPayloadInShape(payload, String(request.id), reply.statusCode);
    return payload;
  });
  // After the hook above (the request line reads the codes of the shaped answer), before the gate.
  registerRequestLogging(fastify, loggers.http, config.AUDIT_REDACT_PATTERN);
  // JSON only: Fastify's own text/plain parser would hand strings to the validation.
  fastify.removeAllContentTypeParsers();
  // Body-less actions (start, stop, prune) accept an empty body even with a JSON content type.
  app.useBodyParser('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
    if (body.length === 0 || body.toString('utf8').trim() === '') return done(null, undefined);
    void fastify.getDefaultJsonParser('error', 'error')(
      request as never,
      body.toString('utf8'),
      (error, value) => {
        if (error) return done(error, undefined);
        // Checked right after parsing, before validation or anything else that recurses touches it.
        if (nestsDeeperThan(value, MAX_JSON_DEPTH)) return done(tooDeepError(), undefined);
        done(null, value);
      },
    );
  });
  // Template documents and compose files may come as YAML: the text is kept as it came (bounded by
  // the body limit) and parsed by the templates service with the one bounded YAML reader. Only the
  // routes that take a document accept it; elsewhere it is refused like any other non-JSON body.
  for (const type of YAML_MEDIA_TYPES) {
    app.useBodyParser(type, { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
      if (!acceptsYaml(request.method, request.routeOptions?.url))
        return done(mediaRefused(request), undefined);
      done(null, new YamlBody(body.toString('utf8')));
    });
  }
  // Any other body (a form post, text, none named) is refused rather than parsed (and a form cannot
  // be forged cross-site as JSON), with the media types this route does take.
  app.useBodyParser('application/x-www-form-urlencoded', {}, (request, _body, done) =>
    done(mediaRefused(request), undefined),
  );
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES },
    (request, _body, done) => done(mediaRefused(request), undefined),
  );
  registerGraphiql(fastify);
  registerUi(fastify);
  // Browsers ask for /favicon.ico with every page (the IDE, the API docs): an empty answer on a
  // public path, rather than a refusal logged and audited for a missing key.
  fastify.get('/favicon.ico', (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
  registerMetricsRoute(fastify, app.get(Metrics), config);
  registerRequestGate(fastify, app.get(ApiKeysService), config, app.get(AuditService));
  if (config.CORS_ORIGINS.trim()) {
    const cors = {
      origin: config.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'apollo-require-preflight'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining'],
      maxAge: 600,
    };
    // The CORS hook runs before the gate and answers every OPTIONS it handles without reading a
    // body: it handles only real preflights (Origin and Access-Control-Request-Method); any other
    // OPTIONS goes on to the gate like every other request.
    app.enableCors({
      delegator: (request, callback) =>
        callback(null, request.method === 'OPTIONS' && !isCorsPreflight(request) ? { origin: false } : cors),
    });
  }
  setupOpenApi(app);
  await app.init();
  await fastify.ready();
  return app;
}
