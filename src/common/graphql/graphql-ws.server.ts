import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  execute,
  getOperationAST,
  subscribe,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import type { FastifyRequest } from 'fastify';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { LiveEvents, STOPPING_MESSAGE } from '../../live/live-events';
import { Metrics } from '../../metrics/metrics';
import { AuditService, type AuditedCall } from '../../audit/audit.service';
import { bearerToken, noKeyMessage } from '../../auth/api-key-secret';
import { argvStringsError, argvStringsIn } from './argv-strings';
import { ApiKeysService } from '../../auth/api-keys.service';
import { keyLimitsOf } from '../../auth/rate-limiter';
import type { Actor } from '../../auth/roles';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { ERROR_CATALOG, type ErrorCode } from '../errors/error-codes';
import { documentRulesOf, noIntrospectionRule, type DocumentRules } from './document-rules';
import { describeGraphqlError, formatGraphqlError } from './format-error';
import { hashOfDocument } from './safelist';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepError } from '../http/json-depth';
import { clientAddressOf, trustedProxyList } from '../net/trusted-proxies';
import { logGraphqlWsErrors, operationTypeOf } from '../logging/graphql-log.plugin';
import { requestContext } from '../logging/request-context';

const PATH = '/graphql';

// Close codes: 4403 the key is missing, wrong, expired or revoked (graphql-ws's "Forbidden");
// 4429 too many connection attempts. A message over BODY_LIMIT_BYTES closes with 1009 (ws).
const CLOSE_FORBIDDEN = 4403;
const CLOSE_TOO_MANY = 4429;
// 1001 "going away": the service is stopping (after its subscriptions were ended with
// SERVICE_STOPPING).
const CLOSE_GOING_AWAY = 1001;
export const STOPPING_REASON = 'the service is stopping';
// How long a stop waits for ended subscriptions to tell their clients why.
const DRAIN_MS = 2000;

type Connection = {
  socket: WebSocket;
  request: IncomingMessage;
  // Set once connection_init carried a valid key.
  actor?: Actor;
  key?: string;
};

// The request that resolvers, the guard and the audit see: the same fields as an HTTP request
// that passed the gate.
interface WsRequest {
  id: string;
  ip: string;
  actor: Actor;
  headers: Record<string, string>;
}

type WsContext = Context<Record<string, unknown> | undefined, Connection>;

type SubscribeResult = AsyncGenerator<ExecutionResult, void, void> | ExecutionResult;

// A close reason is at most 123 bytes.
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = `${reason.slice(0, reason.length - 2)}…`;
  return reason;
}

// graphql-ws on the HTTP server's /graphql, behind the same gate as HTTP: the key checked at
// connection_init and again for every operation (a revoked key also closes its sockets at
// once), the key's rate limit and requests in progress shared with HTTP, the same document rules
// (token limit, depth, aliases, cost, safelist, introspection switch), messages up to
// BODY_LIMIT_BYTES, resolvers running as the key (role and scope), and refusals audited.
// Subscriptions pass the same gate (starting one is one request); once open they hold a stream of
// the hub (MAX_STREAMS_PER_KEY), not a request in progress.
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private readonly connections = new Set<Connection>();
  // Subscriptions running now: each settles when its stream ended and its client was told.
  private readonly running = new Set<Promise<void>>();
  private wss?: WebSocketServer;
  private disposeServer?: () => Promise<void>;
  private stopRevocations?: () => void;
  private httpServer?: Server;
  private rules!: DocumentRules;
  private trustedProxies: string[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly live: LiveEvents,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.rules = documentRulesOf(this.config);
    this.trustedProxies = trustedProxyList(this.config.TRUSTED_PROXIES) ?? [];
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.config.BODY_LIMIT_BYTES });
    this.wss = wss;
    const server = useServer<Record<string, unknown> | undefined, Connection>(
      {
        schema: this.schemaHost.schema,
        onConnect: (ctx) => this.onConnect(ctx),
        onSubscribe: (ctx, _id, payload) => this.onSubscribe(ctx, payload),
        execute: (args) => this.execute(args),
        subscribe: (args) => this.subscribe(args),
        onNext: (_ctx, _id, _payload, args, result) => this.format(args, result),
        onError: (_ctx, _id, payload, errors) => this.logRefusal(payload, errors),
        onClose: (ctx) => {
          this.connections.delete(ctx.extra);
        },
      },
      wss,
    );
    this.disposeServer = async () => {
      await server.dispose();
    };
    this.stopRevocations = this.keys.onRevoke((keyId) => this.closeSocketsOf(keyId));
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
  }

  // Stopping: no new sockets; every subscription ends with SERVICE_STOPPING (the hub's closeAll),
  // its clients get that message (waited for, up to DRAIN_MS), then every socket closes with
  // 1001 and the reason.
  async onModuleDestroy(): Promise<void> {
    this.httpServer?.off('upgrade', this.onUpgrade);
    this.stopRevocations?.();
    this.live.closeAll(STOPPING_MESSAGE);
    await this.drain();
    for (const connection of [...this.connections]) this.close(connection, CLOSE_GOING_AWAY, STOPPING_REASON);
    await this.disposeServer?.();
  }

  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_MS);
    });
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    clearTimeout(timer);
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const wss = this.wss;
    if (!wss || (request.url ?? '').split('?')[0] !== PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Until connection_init brings a key, a socket is a request without one: it counts against
    // the client address, as on HTTP.
    const verdict = keyLimitsOf(this.config).unauthenticated.take(`ip:${this.addressOf(request)}`);
    if (!verdict.allowed) {
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${verdict.retryAfterSeconds}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };

  // The client address as HTTP requests have it (Fastify's trustProxy): X-Forwarded-For is read
  // only from TRUSTED_PROXIES.
  private addressOf(request: IncomingMessage): string {
    return clientAddressOf(
      request.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      this.trustedProxies,
    );
  }

  private ipOf(connection: Connection): string {
    return this.addressOf(connection.request);
  }

  private call(connection: Connection, requestId: string, data: Record<string, unknown> = {}): AuditedCall {
    return {
      transport: 'graphql',
      requestId,
      actor: connection.actor?.name ?? this.ipOf(connection),
      // So that a key sees its own refusals over the socket too.
      actorKeyId: connection.actor?.keyId ?? null,
      data,
    };
  }

  private close(connection: Connection, code: number, message: string): void {
    this.connections.delete(connection);
    connection.socket.close(code, closeReason(message));
  }

  private async onConnect(ctx: WsContext): Promise<boolean> {
    const connection = ctx.extra;
    const { unauthenticated } = keyLimitsOf(this.config);
    const params = ctx.connectionParams ?? {};
    const presented = bearerToken(params.authorization ?? params.Authorization);
    try {
      if (!presented) {
        const given = params.authorization ?? params.Authorization;
        throw new DomainError(
          'UNAUTHENTICATED',
          given === undefined
            ? 'An API key is needed: send {"authorization": "Bearer <key>"} as the connection params.'
            : noKeyMessage(given, 'The authorization param', 'send {"authorization": "Bearer <key>"}'),
        );
      }
      connection.actor = await this.keys.authenticate(presented);
      connection.key = presented;
    } catch (error) {
      if (!(error instanceof DomainError)) throw this.internal(error);
      // Like wrong keys on HTTP: counted against the client address, and past its limit
      // refused without another audit entry.
      if (!unauthenticated.take(`ip:${this.ipOf(connection)}`).allowed) {
        this.close(
          connection,
          CLOSE_TOO_MANY,
          'Too many connection attempts from this address; retry later.',
        );
        return false;
      }
      await this.audit.refused(this.call(connection, randomUUID()), 'graphql.connect', error);
      this.close(connection, CLOSE_FORBIDDEN, error.message);
      return false;
    }
    const verdict = keyLimitsOf(this.config).limiter.take(`key:${connection.actor.keyId}`);
    if (!verdict.allowed) {
      this.close(
        connection,
        CLOSE_TOO_MANY,
        `Too many requests for this key; retry after ${verdict.retryAfterSeconds} s.`,
      );
      return false;
    }
    this.connections.add(connection);
    return true;
  }

  // graphql-ws closes the socket with an error thrown here and, outside production, its message
  // as the reason: log the real one, tell the client only that it was ours.
  private internal(error: unknown): Error {
    this.logger.error({ err: error }, 'graphql-ws connection failed');
    return new Error('Internal error of the service; it is logged.');
  }

  private closeSocketsOf(keyId: string): void {
    for (const connection of [...this.connections]) {
      if (connection.actor?.keyId === keyId)
        this.close(connection, CLOSE_FORBIDDEN, `The API key "${connection.actor.name}" was revoked.`);
    }
  }

  // Every operation: the key again (revoked or expired since the connection), its rate limit,
  // then the document through the same rules as on HTTP. Answers the execution arguments, or
  // the refusal sent as the operation's `error` message.
  private async onSubscribe(
    ctx: WsContext,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const connection = ctx.extra;
    const requestId = randomUUID();
    let actor: Actor;
    try {
      actor = await this.keys.authenticate(connection.key ?? '');
    } catch (error) {
      if (!(error instanceof DomainError)) throw this.internal(error);
      await this.audit.refused(this.call(connection, requestId), 'graphql.document', error);
      this.close(connection, CLOSE_FORBIDDEN, error.message);
      return [refusal(error, requestId)];
    }
    connection.actor = actor;
    const verdict = keyLimitsOf(this.config).limiter.take(`key:${actor.keyId}`);
    if (!verdict.allowed) {
      return [
        refusal(
          new DomainError(
            'RATE_LIMITED',
            `Too many requests: at most ${this.config.RATE_LIMIT_PER_SECOND} a second (bursts of ${this.config.RATE_LIMIT_BURST}). Retry after ${verdict.retryAfterSeconds} s.`,
          ),
          requestId,
        ),
      ];
    }
    const refuse = async (error: GraphQLError, documentCode: string) => {
      const formatted = documentError(error, documentCode, requestId);
      const code = String(formatted.extensions?.code);
      // Recorded as HTTP records it: Apollo's document codes as VALIDATION_FAILED.
      await this.audit.refused(
        this.call(connection, requestId, { operationName: payload.operationName ?? null }),
        'graphql.document',
        new DomainError(code in ERROR_CATALOG ? (code as ErrorCode) : 'VALIDATION_FAILED', formatted.message),
      );
      return [new GraphQLError(formatted.message, { extensions: formatted.extensions })];
    };
    // The same nesting bound as an HTTP body, before anything recursive touches the values.
    if (nestsDeeperThan(payload, MAX_JSON_DEPTH)) {
      const error = tooDeepError();
      await this.audit.refused(this.call(connection, requestId), 'graphql.document', error);
      return [refusal(error, requestId)];
    }
    let document: DocumentNode;
    try {
      document = parse(String(payload.query ?? ''), this.rules.parseOptions);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw this.internal(error);
      return refuse(error, 'GRAPHQL_PARSE_FAILED');
    }
    const schema = this.schemaHost.schema;
    const errors = validate(schema, document, [
      ...specifiedRules,
      ...this.rules.validationRules,
      ...(this.rules.introspection ? [] : [noIntrospectionRule]),
    ]);
    if (errors.length > 0) {
      const refused = await Promise.all(errors.map((e) => refuse(e, 'GRAPHQL_VALIDATION_FAILED')));
      return refused.flat();
    }
    // Which operation to run, refused as over HTTP (graphql-ws would answer without a code).
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation)
      return refuse(
        new GraphQLError(operationResolutionMessage(document, payload.operationName)),
        'OPERATION_RESOLUTION_FAILURE',
      );
    if (this.rules.safelist && !this.rules.safelist.has(hashOfDocument(document))) {
      const error = new DomainError(
        'QUERY_NOT_ALLOWED',
        'This GraphQL document is not on the safelist (GRAPHQL_SAFELIST_PATH) of this service.',
      );
      await this.audit.refused(
        this.call(connection, requestId, { operationName: payload.operationName ?? null }),
        'graphql.document',
        error,
      );
      return [refusal(error, requestId)];
    }
    const argvStrings = argvStringsIn(schema, document, payload.variables, payload.operationName);
    if (argvStrings.length) {
      const error = argvStringsError(argvStrings);
      await this.audit.refused(
        this.call(connection, requestId, { operationName: payload.operationName ?? null }),
        'graphql.document',
        error,
      );
      return [
        new GraphQLError(error.message, {
          extensions: { code: error.code, status: error.status, errors: argvStrings, requestId },
        }),
      ];
    }
    const req: WsRequest = { id: requestId, ip: this.ipOf(connection), actor, headers: {} };
    // Past every check: the operation starts (query, mutation or subscription).
    this.metrics.graphqlWsOperation(operation.operation);
    return {
      schema,
      document,
      operationName: payload.operationName ?? undefined,
      variableValues: payload.variables ?? undefined,
      contextValue: { req },
    };
  }

  // Runs an operation as one of the key's requests in progress (MAX_IN_FLIGHT_PER_KEY, shared
  // with HTTP).
  private execute(args: ExecutionArgs): Promise<ExecutionResult> {
    return this.asRequest(args, async () => {
      const result = await execute(args);
      await this.recordRefusals(args, result);
      return result;
    });
  }

  // Starts a subscription as one request in progress, released once its stream is open (or it
  // was refused): an open subscription counts against MAX_STREAMS_PER_KEY in the hub instead.
  // Its events are executed by graphql-js itself, not through execute().
  private subscribe(args: ExecutionArgs): Promise<SubscribeResult> {
    return this.asRequest<SubscribeResult>(args, async () => {
      const result = await subscribe(args);
      if (!isAsyncGenerator(result)) {
        await this.recordRefusals(args, result);
        return result;
      }
      return this.tracked(result);
    });
  }

  // A running subscription, known to stop() until its iteration ends.
  private tracked(results: AsyncGenerator<ExecutionResult, void, void>): SubscribeResult {
    let settle = (): void => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.running.add(done);
    const end = (): void => {
      this.running.delete(done);
      settle();
    };
    const next = results.next.bind(results);
    const ret = results.return.bind(results);
    return Object.assign(results, {
      next: async () => {
        try {
          const result = await next();
          if (result.done) end();
          return result;
        } catch (error) {
          end();
          throw error;
        }
      },
      return: async (value: void) => {
        end();
        return ret(value);
      },
    });
  }

  // Refused root fields and variables, recorded before the answer leaves, as over HTTP (where
  // Apollo labels the errors before execution, variables that do not fit, as the caller's).
  private async recordRefusals(args: ExecutionArgs, result: ExecutionResult): Promise<void> {
    if (!result.errors?.length) return;
    await this.audit.recordGraphqlRefusals(
      'data' in result ? result.errors : result.errors.map(asBadUserInput),
      args.contextValue as { req?: FastifyRequest },
      args.operationName ?? null,
    );
  }

  private async asRequest<T extends SubscribeResult>(
    args: ExecutionArgs,
    run: () => Promise<T>,
  ): Promise<T | ExecutionResult> {
    const { req } = args.contextValue as { req: WsRequest };
    const caller = `key:${req.actor.keyId}`;
    const { inFlight } = keyLimitsOf(this.config);
    const running = inFlight.get(caller) ?? 0;
    if (running >= this.config.MAX_IN_FLIGHT_PER_KEY) {
      return {
        errors: [
          new GraphQLError(
            `The key "${req.actor.name}" already has ${running} requests in progress (MAX_IN_FLIGHT_PER_KEY); wait for some to finish.`,
            { extensions: { code: 'RATE_LIMITED' } },
          ),
        ],
      };
    }
    inFlight.set(caller, running + 1);
    try {
      // Lines logged while it runs carry its request id, as over HTTP.
      return await requestContext.run({ reqId: req.id }, run);
    } finally {
      const left = (inFlight.get(caller) ?? 1) - 1;
      if (left > 0) inFlight.set(caller, left);
      else inFlight.delete(caller);
    }
  }

  // Errors in results in the same shape as on HTTP: our codes, statuses and the request id.
  private format(args: ExecutionArgs, result: ExecutionResult): FormattedExecutionResult {
    const { req } = args.contextValue as { req: WsRequest };
    const { errors, ...rest } = result;
    if (!errors) return rest;
    // Errors before execution (variables that do not fit their types) are the caller's, as
    // Apollo labels them over HTTP.
    const requestError = !('data' in result);
    const formattedErrors = errors.map((error) => {
      const json = error.toJSON();
      const code = json.extensions?.code ?? (requestError ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR');
      const formatted = formatGraphqlError({ ...json, extensions: { ...json.extensions, code } }, error);
      return { ...formatted, extensions: { ...formatted.extensions, requestId: req.id } };
    });
    logGraphqlWsErrors(
      this.logger,
      req.id,
      {
        operationName: args.operationName,
        operationType: operationTypeOf(args.document, args.operationName),
      },
      formattedErrors,
    );
    return { ...rest, errors: formattedErrors };
  }

  // An operation refused before it ran (key, rate, document rules): its errors carry the request id.
  private logRefusal(payload: { operationName?: string | null }, errors: readonly GraphQLError[]): void {
    const reqId = errors.map((e) => e.extensions?.requestId).find((id) => typeof id === 'string');
    logGraphqlWsErrors(this.logger, reqId, { operationName: payload.operationName }, errors);
  }
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function asBadUserInput(error: GraphQLError): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

// graphql-js's words for a document whose operation cannot be chosen (Apollo answers them over HTTP).
function operationResolutionMessage(document: DocumentNode, operationName?: string | null): string {
  const count = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  if (count === 0) return 'Must provide an operation.';
  if (operationName) return `Unknown operation named "${operationName}".`;
  return 'Must provide operation name if query contains multiple operations.';
}

// A refusal of ours as a GraphQL error in the shape HTTP answers carry.
function refusal(error: DomainError, requestId: string): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, status: error.status, requestId },
  });
}

// A document error (parse or validation) as Apollo would answer it over HTTP.
function documentError(error: GraphQLError, documentCode: string, requestId: string): GraphQLFormattedError {
  const json = error.toJSON();
  const described = describeGraphqlError(
    { ...json, extensions: { ...json.extensions, code: error.extensions.code ?? documentCode } },
    error,
  );
  return { ...described, extensions: { ...described.extensions, requestId } };
}
