import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';
import { Operations, type OperationJournal } from '../common/operation-context';
import { compareApiVersions, MAX_API_VERSION, MIN_API_VERSION } from './api-version';
import type { RawVersion } from './dockerode.mappers';
import type { EngineConnection } from './engine-connection';
import { classifyEngineError, isTransportError } from './engine-error.classifier';
import { EngineRejection } from './engine.errors';
import type { EngineVersion } from './engine.types';

// dockerode's typings overload every method with callbacks; the calls here go through this
// loose view and read the answers as the raw types of dockerode.mappers.ts. Bodies are passed as
// `_body` and query strings as `_query`: otherwise docker-modem copies every body field into the
// URL as well.
// Every call takes `abortSignal` among its options: a call past its deadline is aborted, which
// destroys its request and closes its socket.
export type Call = (options?: object) => Promise<unknown>;
export interface DialOptions {
  path: string;
  method: 'GET' | 'POST';
  isStream: boolean;
  abortSignal?: AbortSignal;
  statusCodes: Record<number, boolean | string>;
  options: object;
}
export interface LooseExec {
  start: (options: object) => Promise<Duplex>;
  inspect: Call;
}
export interface LooseContainer {
  inspect: Call;
  start: Call;
  stop: Call;
  restart: Call;
  remove: Call;
  rename: Call;
  logs: (options: object) => Promise<Buffer | Readable>;
  wait: Call;
  exec: (options: object) => Promise<LooseExec>;
}
export interface LooseDocker {
  modem: {
    version?: string;
    dial(options: DialOptions, callback: (error: Error | null, data: unknown) => void): void;
  };
  version: Call;
  info: Call;
  listPlugins: Call;
  ping: Call;
  listNetworks: Call;
  listContainers: Call;
  createNetwork: (options: object) => Promise<{ id: string }>;
  createContainer: (options: object) => Promise<{ id: string }>;
  pruneNetworks: Call;
  getNetwork(id: string): { inspect: Call; remove: Call; connect: Call; disconnect: Call };
  getContainer(id: string): LooseContainer;
  getImage(ref: string): { inspect: Call };
}

// "Already started" / "already stopped": the engine answers 304, which means done.
export function isNotModified(error: unknown): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === 304;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Told the operation, outcome ('ok' or an error code) and duration of every engine call (metrics).
export type EngineCallObserver = (operation: string, outcome: string, seconds: number) => void;

// The requests (method and path) the engine call in progress has sent.
const engineRequests = new AsyncLocalStorage<string[]>();

// The plumbing under every engine call: the connection, API version negotiation, deadlines,
// error translation, and single-flight reads.
export class DockerClient {
  private readonly logger = new Logger('DockerEngine');
  readonly docker: LooseDocker;
  private negotiation: Promise<EngineVersion> | null = null;
  // Identical reads in flight at once share one engine call ("single flight"), but only while no
  // change went through this client since that call began: a caller always sees its own writes.
  private readonly inflight = new Map<string, { generation: number; promise: Promise<unknown> }>();
  private generation = 0;

  readonly endpoint: string;

  constructor(
    private readonly connection: EngineConnection,
    readonly timeoutMs: number,
    private readonly journal: OperationJournal = Operations,
    private readonly observe: EngineCallObserver = () => {},
  ) {
    this.endpoint = connection.endpoint;
    this.docker = new Docker({
      ...(connection.kind === 'unix'
        ? { socketPath: connection.socketPath }
        : {
            host: connection.host,
            port: connection.port,
            protocol: connection.kind,
            ca: connection.tls?.ca,
            cert: connection.tls?.cert,
            key: connection.tls?.key,
          }),
      // No agent of our own: docker-modem util.inspect()s each request's options in full, agent
      // and its sockets included, which costs milliseconds per call. Node's global agents keep
      // connections alive already.
    }) as unknown as LooseDocker;
    // Each request the client sends is noted (method and path: no query, no body) for the debug
    // line of the engine call it belongs to.
    const modem = this.docker.modem;
    const dial = modem.dial.bind(modem);
    modem.dial = (options, callback) => {
      const path = typeof options.path === 'string' ? options.path.split('?')[0] : '';
      engineRequests.getStore()?.push(`${options.method ?? 'GET'} ${path}`);
      dial(options, callback);
    };
  }

  // Runs one engine call under a deadline and translates whatever goes wrong. Past the deadline
  // the call is aborted: its request is destroyed and its socket closed, so that a stuck engine
  // holds no connection (and nothing waits on one) after the caller got its 504.
  async call<T>(op: string, fn: (signal: AbortSignal) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new DomainError(
            'ENGINE_TIMEOUT',
            `The Docker engine at ${this.endpoint} did not answer "${op}" within ${timeoutMs} ms. ` +
              'A change may still complete on the engine: check its state before retrying.',
            { context: { operation: op, timeoutMs } },
          ),
        );
        controller.abort();
      }, timeoutMs);
    });
    const started = performance.now();
    const requests: string[] = [];
    try {
      const result = await Promise.race([
        engineRequests.run(requests, () => fn(controller.signal)),
        deadline,
      ]);
      this.logCall(op, requests, started, 'ok');
      return result;
    } catch (error) {
      const translated = this.translate(op, error);
      this.logCall(op, requests, started, translated instanceof DomainError ? translated.code : 'failed');
      throw translated;
    } finally {
      clearTimeout(timer);
    }
  }

  // One debug line per engine call: the operation, what it touched (method and path of its
  // requests: ids and names, never bodies, env values or commands), how long it took, the outcome.
  private logCall(op: string, requests: string[], started: number, outcome: string): void {
    const elapsedMs = performance.now() - started;
    this.observe(op, outcome, elapsedMs / 1000);
    const durationMs = Math.round(elapsedMs * 10) / 10;
    const target = requests.length ? requests.join(', ') : undefined;
    this.logger.debug(
      { engineCall: op, target, durationMs, outcome },
      `engine ${op}${target ? ` (${target})` : ''}: ${outcome} in ${durationMs} ms`,
    );
  }

  private translate(op: string, error: unknown): Error {
    if (error instanceof DomainError || error instanceof EngineRejection) return error;
    if (isTransportError(error)) {
      // The engine may come back as another version: negotiate again next time.
      this.negotiation = null;
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'EACCES'
          ? 'permission denied on the socket: run Switchyard as a user allowed to use it'
          : 'start the engine or point DOCKER_HOST at a running one';
      return new DomainError(
        'ENGINE_UNAVAILABLE',
        `The Docker engine at ${this.endpoint} is unreachable (${code ?? 'connection failed'}): ${hint}.`,
        { context: { operation: op } },
      );
    }
    const rejection = classifyEngineError(error);
    if (rejection) return rejection;
    this.logger.error({ err: error, op }, 'unexpected engine client failure');
    return new DomainError(
      'ENGINE_UNAVAILABLE',
      `The Docker engine at ${this.endpoint} gave an unreadable answer.`,
    );
  }

  negotiated(): Promise<EngineVersion> {
    if (!this.negotiation) {
      const attempt = this.negotiate();
      this.negotiation = attempt;
      attempt.catch(() => {
        if (this.negotiation === attempt) this.negotiation = null;
      });
    }
    return this.negotiation;
  }

  // The engine names its newest API version in the API-Version header of /_ping (an unversioned
  // path). The version is computed first and then set in one assignment: the client's version is
  // never unset, so no request goes out unversioned while a negotiation runs.
  private async negotiate(): Promise<EngineVersion> {
    const apiVersion = await this.call('ping', (signal) => this.pingApiVersion(signal));
    if (!apiVersion || !/^\d+\.\d+$/.test(apiVersion)) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The Docker engine at ${this.endpoint} did not name its API version on /_ping; Switchyard needs Docker 20.10 or newer.`,
      );
    }
    const negotiatedApiVersion =
      compareApiVersions(apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : apiVersion;
    if (compareApiVersions(negotiatedApiVersion, MIN_API_VERSION) < 0) {
      throw new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The Docker engine at ${this.endpoint} speaks API ${apiVersion}; Switchyard needs ${MIN_API_VERSION} or newer (Docker 20.10+).`,
      );
    }
    this.docker.modem.version = `v${negotiatedApiVersion}`;
    const raw = await this.call(
      'version',
      (signal) => this.docker.version({ abortSignal: signal }) as Promise<RawVersion>,
    );
    const version: EngineVersion = {
      version: raw.Version,
      apiVersion,
      negotiatedApiVersion,
      minApiVersion: raw.MinAPIVersion ?? MIN_API_VERSION,
      os: raw.Os,
      arch: raw.Arch,
    };
    this.logger.log(
      `engine ${version.version} at ${this.endpoint}, API ${apiVersion}, speaking ${negotiatedApiVersion}`,
    );
    return version;
  }

  // GET /_ping outside docker-modem (which prefixes its version and hides the headers).
  private pingApiVersion(signal: AbortSignal): Promise<string | undefined> {
    const c = this.connection;
    const target =
      c.kind === 'unix'
        ? { socketPath: c.socketPath }
        : {
            host: c.host,
            port: c.port,
            ...(c.tls ? { ca: c.tls.ca, cert: c.tls.cert, key: c.tls.key } : {}),
          };
    const transport = c.kind === 'https' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request({ ...target, path: '/_ping', method: 'GET', signal }, (response) => {
        const header = response.headers['api-version'];
        response.resume();
        response.on('error', reject);
        response.on('end', () => resolve(Array.isArray(header) ? header[0] : header));
      });
      request.on('error', reject);
      request.end();
    });
  }

  // Every call except ping goes through here so that the API version is fixed first.
  async versioned<T>(
    op: string,
    fn: (signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    await this.negotiated();
    return this.call(op, fn, timeoutMs);
  }

  read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const current = this.inflight.get(key);
    if (current && current.generation === this.generation) return current.promise as Promise<T>;
    const entry = { generation: this.generation, promise: fn() as Promise<unknown> };
    this.inflight.set(key, entry);
    const forget = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    };
    entry.promise.then(forget, forget);
    return entry.promise as Promise<T>;
  }

  // Every change goes through here: the journal (the audited operation, if any) stores its intent first.
  async mutate<T>(
    op: string,
    fn: (signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    await this.journal.beforeChange(op);
    this.generation++;
    try {
      return await this.versioned(op, fn, timeoutMs);
    } finally {
      this.generation++;
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await this.call('ping', (signal) => this.docker.ping({ abortSignal: signal }), timeoutMs);
  }

  version(): Promise<EngineVersion> {
    return this.negotiated();
  }
}
