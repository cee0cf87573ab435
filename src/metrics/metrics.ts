import { Injectable } from '@nestjs/common';

// What the service measures about itself, exposed at /metrics (prom-client). Every part of the
// service reports through these methods; none of them throws or waits. Owned by the metrics
// workstream: the methods are the contract, the bodies fill in the registry.
@Injectable()
export class Metrics {
  // One HTTP request answered: its method, its route pattern (e.g. /api/v1/networks/:ref, never the
  // raw URL), status code and duration.
  observeHttp(_method: string, _route: string, _status: number, _seconds: number): void {}

  // One engine call (DockerClient.call): its operation (e.g. network.list) and outcome ('ok' or an
  // error code).
  observeEngineCall(_operation: string, _outcome: string, _seconds: number): void {}

  // The engine's event stream was connected again after a break.
  eventStreamReconnected(): void {}

  // How long after the engine stamped an event the read model had applied it.
  observeEventLag(_seconds: number): void {}

  // A read the model could not serve and that went to the engine instead (stale, syncing, off).
  readModelFallback(_operation: string): void {}

  // How many networks, containers and endpoints the read model holds, and its approximate size.
  setReadModelSize(_size: { networks: number; containers: number; endpoints: number; bytes: number }): void {}

  // A template apply or destroy ended: its kind (apply | destroy), status and duration.
  observeDeployment(_kind: string, _status: string, _seconds: number): void {}

  // Audit entries written (their outcome: succeeded | failed | refused ...).
  auditEntriesWritten(_outcome: string, _count: number): void {}

  // Commands (exec and probes) waiting for a slot: read when /metrics is scraped.
  trackExecQueue(_depth: () => number): void {}

  // Client streams (SSE and GraphQL subscriptions) open now, by transport and kind.
  streamOpened(_transport: 'sse' | 'graphql-ws', _kind: 'engine' | 'deployment'): void {}
  streamClosed(_transport: 'sse' | 'graphql-ws', _kind: 'engine' | 'deployment', _reason: string): void {}
}
