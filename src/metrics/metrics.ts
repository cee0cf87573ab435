import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabel, methodLabel, routeLabel, statusLabel } from './bounded-label';

// Buckets in seconds. Requests answer in milliseconds (a list, an inspect) up to seconds (an exec,
// a template apply with wait); engine calls likewise; a deployment takes seconds to minutes.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ENGINE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10];
const DEPLOYMENT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

// The process's own metrics (CPU, memory, event loop lag, GC, handles) describe the process, not
// one application in it, and each collection starts an event-loop monitor and a GC observer that
// are never stopped: they are collected once per process, in a registry of their own (never
// prom-client's global one), and shown by every application instance's /metrics. It is kept on
// the global object so that a second copy of this module (Jest loads modules afresh for each test
// file) finds it too.
const PROCESS_REGISTRY = Symbol.for('switchyard.metrics.process-registry');

function processMetrics(): Registry {
  const holder = globalThis as { [PROCESS_REGISTRY]?: Registry };
  let registry = holder[PROCESS_REGISTRY];
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    holder[PROCESS_REGISTRY] = registry;
  }
  return registry;
}

// A duration worth observing (a clock that went backwards gives none).
const isDuration = (value: number) => Number.isFinite(value) && value >= 0;

// What the service measures about itself, exposed at /metrics (prom-client). Every part of the
// service reports through these methods; none of them throws or waits. Each application instance
// has its own registry (tests start many in one process), so nothing is ever registered twice.
// Labels are low-cardinality words: route patterns, operations, outcomes; never ids, names or
// raw URLs (see bounded-label.ts for the guard on values that come from elsewhere).
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly labels = {
    engineOperation: new BoundedLabel(100),
    engineOutcome: new BoundedLabel(100),
    fallbackOperation: new BoundedLabel(50),
    deploymentKind: new BoundedLabel(10),
    deploymentStatus: new BoundedLabel(20),
    auditOutcome: new BoundedLabel(20),
    streamReason: new BoundedLabel(30),
    graphqlWsType: new BoundedLabel(5),
  };

  private readonly execQueues: Array<() => number> = [];

  private readonly httpRequests = new Counter({
    name: 'switchyard_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (unmatched for no route) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'switchyard_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its answer, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  private readonly graphqlWsOperations = new Counter({
    name: 'switchyard_graphql_ws_operations_total',
    help: 'GraphQL operations started over graphql-ws (WebSocket; refused ones are not counted), by operation type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  private readonly engineCalls = new Histogram({
    name: 'switchyard_engine_call_duration_seconds',
    help: 'Docker Engine API calls, by operation (e.g. network.list) and outcome (ok or an error code).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: ENGINE_BUCKETS,
    registers: [this.registry],
  });

  private readonly eventReconnects = new Counter({
    name: 'switchyard_event_stream_reconnects_total',
    help: "Times the engine's event stream was connected again after a break.",
    registers: [this.registry],
  });

  private readonly eventLag = new Histogram({
    name: 'switchyard_event_stream_lag_seconds',
    help: 'Time from the engine stamping an event to the read model having applied it.',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  private readonly eventLastLag = new Gauge({
    name: 'switchyard_event_stream_last_lag_seconds',
    help: 'The lag of the last event the read model applied.',
    registers: [this.registry],
  });

  private readonly readModelFallbacks = new Counter({
    name: 'switchyard_read_model_fallbacks_total',
    help: 'Reads the read model could not serve (stale, syncing, off) that went to the engine, by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  private readonly readModelObjects = new Gauge({
    name: 'switchyard_read_model_objects',
    help: 'Objects the read model holds, by kind (networks, containers, endpoints).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly readModelBytes = new Gauge({
    name: 'switchyard_read_model_size_bytes',
    help: "Approximate memory the read model's objects take.",
    registers: [this.registry],
  });

  private readonly deploymentDuration = new Histogram({
    name: 'switchyard_deployment_duration_seconds',
    help: 'Template applies and destroys, from start to result, by kind (apply, destroy) and status.',
    labelNames: ['kind', 'status'] as const,
    buckets: DEPLOYMENT_BUCKETS,
    registers: [this.registry],
  });

  private readonly deployments = new Counter({
    name: 'switchyard_deployments_total',
    help: 'Template applies and destroys that ended, by kind (apply, destroy) and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
  });

  private readonly auditEntries = new Counter({
    name: 'switchyard_audit_entries_written_total',
    help: 'Audit log entries written, by outcome (intent for the entry written before an operation).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly streamsOpen = new Gauge({
    name: 'switchyard_streams_open',
    help: 'Client streams open now (SSE and GraphQL subscriptions), by transport and kind.',
    labelNames: ['transport', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly streamsClosed = new Counter({
    name: 'switchyard_streams_closed_total',
    help: 'Client streams closed, by transport, kind and reason.',
    labelNames: ['transport', 'kind', 'reason'] as const,
    registers: [this.registry],
  });

  // Read when /metrics is scraped: the sum over every queue that reported itself.
  private readonly execQueueDepth: Gauge = new Gauge({
    name: 'switchyard_exec_queue_depth',
    help: 'Commands (exec and probes) waiting for a slot now.',
    registers: [this.registry],
    collect: (): void => this.execQueueDepth.set(this.execQueues.reduce((sum, depth) => sum + depth(), 0)),
  });

  // One HTTP request answered: its method, its route pattern (e.g. /api/v1/networks/:ref, never the
  // raw URL), status code and duration.
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method: methodLabel(method), route: routeLabel(route), status: statusLabel(status) };
    this.httpRequests.inc(labels);
    if (isDuration(seconds)) this.httpDuration.observe(labels, seconds);
  }

  // One GraphQL operation started over graphql-ws (it passed the key, rate and document checks):
  // its type (query, mutation, subscription).
  graphqlWsOperation(type: string): void {
    this.graphqlWsOperations.inc({ type: this.labels.graphqlWsType.of(type) });
  }

  // One engine call (DockerClient.call): its operation (e.g. network.list) and outcome ('ok' or an
  // error code).
  observeEngineCall(operation: string, outcome: string, seconds: number): void {
    if (!isDuration(seconds)) return;
    this.engineCalls.observe(
      {
        operation: this.labels.engineOperation.of(operation),
        outcome: this.labels.engineOutcome.of(outcome),
      },
      seconds,
    );
  }

  // The engine's event stream was connected again after a break.
  eventStreamReconnected(): void {
    this.eventReconnects.inc();
  }

  // How long after the engine stamped an event the read model had applied it. The engine's clock
  // and ours may differ a little: a lag below zero counts as none.
  observeEventLag(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const lag = Math.max(0, seconds);
    this.eventLag.observe(lag);
    this.eventLastLag.set(lag);
  }

  // A read the model could not serve and that went to the engine instead (stale, syncing, off).
  readModelFallback(operation: string): void {
    this.readModelFallbacks.inc({ operation: this.labels.fallbackOperation.of(operation) });
  }

  // How many networks, containers and endpoints the read model holds, and its approximate size.
  setReadModelSize(size: { networks: number; containers: number; endpoints: number; bytes: number }): void {
    this.readModelObjects.set({ kind: 'networks' }, size.networks);
    this.readModelObjects.set({ kind: 'containers' }, size.containers);
    this.readModelObjects.set({ kind: 'endpoints' }, size.endpoints);
    this.readModelBytes.set(size.bytes);
  }

  // A template apply or destroy ended: its kind (apply | destroy), status and duration.
  observeDeployment(kind: string, status: string, seconds: number): void {
    const labels = {
      kind: this.labels.deploymentKind.of(kind),
      status: this.labels.deploymentStatus.of(status),
    };
    this.deployments.inc(labels);
    if (isDuration(seconds)) this.deploymentDuration.observe(labels, seconds);
  }

  // Audit entries written (their outcome: succeeded | failed | refused ...).
  auditEntriesWritten(outcome: string, count: number): void {
    if (!(Number.isInteger(count) && count > 0)) return;
    this.auditEntries.inc({ outcome: this.labels.auditOutcome.of(outcome) }, count);
  }

  // Commands (exec and probes) waiting for a slot: read when /metrics is scraped.
  trackExecQueue(depth: () => number): void {
    this.execQueues.push(depth);
  }

  // Client streams (SSE and GraphQL subscriptions) open now, by transport and kind.
  streamOpened(transport: 'sse' | 'graphql-ws', kind: 'engine' | 'deployment'): void {
    this.streamsOpen.inc({ transport, kind });
  }

  streamClosed(transport: 'sse' | 'graphql-ws', kind: 'engine' | 'deployment', reason: string): void {
    this.streamsOpen.dec({ transport, kind });
    this.streamsClosed.inc({ transport, kind, reason: this.labels.streamReason.of(reason) });
  }

  // The exposition of this instance's series and the process's, and its content type (the
  // Prometheus text format, version 0.0.4).
  async exposition(): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.metrics();
    const ofProcess = await processMetrics().metrics();
    return { contentType: this.registry.contentType, body: `${own}\n${ofProcess}` };
  }
}
