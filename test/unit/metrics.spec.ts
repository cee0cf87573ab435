import Fastify, { type FastifyInstance } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FairSemaphore } from '../../src/common/concurrency/semaphore';
import { BoundedLabel, OTHER, UNMATCHED_ROUTE } from '../../src/metrics/bounded-label';
import { Metrics } from '../../src/metrics/metrics';
import { registerHttpMetrics } from '../../src/metrics/metrics.http';
import { waitFor } from '../support/wait';

// The value of one series in an exposition (undefined when it is absent).
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(',') : [];
    if (wanted.length === have.length && wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

const scrape = async (metrics: Metrics) => (await metrics.exposition()).body;

describe('Metrics', () => {
  it('shows an observed request as a counter and a histogram by method, route and status', async () => {
    const metrics = new Metrics();
    metrics.observeHttp('GET', '/api/v1/networks/:ref', 200, 0.004);
    metrics.observeHttp('GET', '/api/v1/networks/:ref', 200, 0.02);
    metrics.observeHttp('POST', '/api/v1/networks', 409, 0.1);
    const text = await scrape(metrics);
    const get = { method: 'GET', route: '/api/v1/networks/:ref', status: '200' };
    expect(sample(text, 'switchyard_http_requests_total', get)).toBe(2);
    expect(sample(text, 'switchyard_http_request_duration_seconds_count', get)).toBe(2);
    expect(sample(text, 'switchyard_http_request_duration_seconds_bucket', { ...get, le: '0.005' })).toBe(1);
    expect(sample(text, 'switchyard_http_request_duration_seconds_sum', get)).toBeCloseTo(0.024);
    expect(
      sample(text, 'switchyard_http_requests_total', {
        method: 'POST',
        route: '/api/v1/networks',
        status: '409',
      }),
    ).toBe(1);
  });

  it('collapses requests that matched no route, and odd methods and statuses, into one value each', async () => {
    const metrics = new Metrics();
    metrics.observeHttp('GET', '', 404, 0.001);
    metrics.observeHttp('GET', '', 404, 0.001);
    metrics.observeHttp('BREW', '', 405, 0.001);
    metrics.observeHttp('GET', '/api/v1/networks', 1000, 0.001);
    const text = await scrape(metrics);
    expect(
      sample(text, 'switchyard_http_requests_total', {
        method: 'GET',
        route: UNMATCHED_ROUTE,
        status: '404',
      }),
    ).toBe(2);
    expect(
      sample(text, 'switchyard_http_requests_total', {
        method: OTHER,
        route: UNMATCHED_ROUTE,
        status: '405',
      }),
    ).toBe(1);
    expect(
      sample(text, 'switchyard_http_requests_total', {
        method: 'GET',
        route: '/api/v1/networks',
        status: OTHER,
      }),
    ).toBe(1);
    // Exactly the three series above: no raw path ever became a label.
    expect(text.split('\n').filter((l) => l.startsWith('switchyard_http_requests_total'))).toHaveLength(3);
  });

  it('keeps engine calls, deployments, audit entries, read model, event stream and streams', async () => {
    const metrics = new Metrics();
    metrics.observeEngineCall('network.create', 'ok', 0.07);
    metrics.observeEngineCall('network.create', 'NETWORK_NAME_TAKEN', 0.01);
    metrics.observeDeployment('apply', 'succeeded', 3.2);
    metrics.auditEntriesWritten('succeeded', 2);
    metrics.auditEntriesWritten('intent', 1);
    metrics.setReadModelSize({ networks: 3, containers: 5, endpoints: 7, bytes: 4096 });
    metrics.readModelFallback('network.list');
    metrics.eventStreamReconnected();
    metrics.observeEventLag(0.03);
    metrics.streamOpened('sse', 'engine');
    metrics.streamOpened('sse', 'engine');
    metrics.streamClosed('sse', 'engine', 'client');
    metrics.graphqlWsOperation('subscription');
    const text = await scrape(metrics);
    expect(
      sample(text, 'switchyard_engine_call_duration_seconds_count', {
        operation: 'network.create',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sample(text, 'switchyard_engine_call_duration_seconds_count', {
        operation: 'network.create',
        outcome: 'NETWORK_NAME_TAKEN',
      }),
    ).toBe(1);
    expect(sample(text, 'switchyard_deployments_total', { kind: 'apply', status: 'succeeded' })).toBe(1);
    expect(
      sample(text, 'switchyard_deployment_duration_seconds_sum', { kind: 'apply', status: 'succeeded' }),
    ).toBe(3.2);
    expect(sample(text, 'switchyard_audit_entries_written_total', { outcome: 'succeeded' })).toBe(2);
    expect(sample(text, 'switchyard_audit_entries_written_total', { outcome: 'intent' })).toBe(1);
    expect(sample(text, 'switchyard_read_model_objects', { kind: 'endpoints' })).toBe(7);
    expect(sample(text, 'switchyard_read_model_size_bytes')).toBe(4096);
    expect(sample(text, 'switchyard_read_model_fallbacks_total', { operation: 'network.list' })).toBe(1);
    expect(sample(text, 'switchyard_event_stream_reconnects_total')).toBe(1);
    expect(sample(text, 'switchyard_event_stream_lag_seconds_count')).toBe(1);
    expect(sample(text, 'switchyard_event_stream_last_lag_seconds')).toBe(0.03);
    expect(sample(text, 'switchyard_streams_open', { transport: 'sse', kind: 'engine' })).toBe(1);
    expect(
      sample(text, 'switchyard_streams_closed_total', { transport: 'sse', kind: 'engine', reason: 'client' }),
    ).toBe(1);
    expect(sample(text, 'switchyard_graphql_ws_operations_total', { type: 'subscription' })).toBe(1);
  });

  it('never throws on values it cannot use, and ignores them', async () => {
    const metrics = new Metrics();
    expect(() => {
      metrics.observeHttp('GET', '/x', 200, Number.NaN);
      metrics.observeEngineCall('network.list', 'ok', -1);
      metrics.observeDeployment('apply', 'failed', Number.POSITIVE_INFINITY);
      metrics.auditEntriesWritten('succeeded', -3);
      metrics.auditEntriesWritten('succeeded', 0);
      metrics.observeEventLag(Number.NaN);
    }).not.toThrow();
    const text = await scrape(metrics);
    expect(
      sample(text, 'switchyard_engine_call_duration_seconds_count', {
        operation: 'network.list',
        outcome: 'ok',
      }),
    ).toBeUndefined();
    expect(sample(text, 'switchyard_audit_entries_written_total', { outcome: 'succeeded' })).toBeUndefined();
    // The request is still counted; only its duration is unknown.
    expect(
      sample(text, 'switchyard_http_requests_total', { method: 'GET', route: '/x', status: '200' }),
    ).toBe(1);
    // A clock behind the engine's gives no negative lag.
    metrics.observeEventLag(-0.5);
    expect(sample(await scrape(metrics), 'switchyard_event_stream_last_lag_seconds')).toBe(0);
  });

  it('bounds labels that come from elsewhere (error texts, reasons) to a few plain words', async () => {
    const metrics = new Metrics();
    metrics.streamOpened('graphql-ws', 'deployment');
    metrics.streamClosed('graphql-ws', 'deployment', 'The key "ci" was revoked at 12:00');
    for (let i = 0; i < 500; i++) metrics.observeEngineCall(`op.${i}`, 'ok', 0.001);
    const text = await scrape(metrics);
    expect(
      sample(text, 'switchyard_streams_closed_total', {
        transport: 'graphql-ws',
        kind: 'deployment',
        reason: OTHER,
      }),
    ).toBe(1);
    const operations = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('switchyard_engine_call_duration_seconds_count'))
        .map((l) => /operation="([^"]*)"/.exec(l)?.[1]),
    );
    expect(operations.size).toBe(101);
    expect(operations.has(OTHER)).toBe(true);
  });

  it('reads the exec queue depth when scraped', async () => {
    const metrics = new Metrics();
    const slots = new FairSemaphore(1, 1, 10, 5_000, () => new Error('busy'));
    metrics.trackExecQueue(() => slots.waiting);
    expect(sample(await scrape(metrics), 'switchyard_exec_queue_depth')).toBe(0);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = slots.run('a', () => held);
    // One waits for its key's share, one for the only slot.
    const sameKey = slots.run('a', () => Promise.resolve());
    const otherKey = slots.run('b', () => Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    expect(slots.waiting).toBe(2);
    expect(sample(await scrape(metrics), 'switchyard_exec_queue_depth')).toBe(2);
    release();
    await Promise.all([running, sameKey, otherKey]);
    expect(sample(await scrape(metrics), 'switchyard_exec_queue_depth')).toBe(0);
  });

  it('lets many instances live in one process, each with its own series, all with the process metrics', async () => {
    const instances = Array.from({ length: 20 }, () => new Metrics());
    instances[0].observeHttp('GET', '/health/live', 200, 0.001);
    const first = await instances[0].exposition();
    const last = await instances[19].exposition();
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(
      sample(first.body, 'switchyard_http_requests_total', {
        method: 'GET',
        route: '/health/live',
        status: '200',
      }),
    ).toBe(1);
    expect(
      sample(last.body, 'switchyard_http_requests_total', {
        method: 'GET',
        route: '/health/live',
        status: '200',
      }),
    ).toBeUndefined();
    for (const body of [first.body, last.body]) {
      expect(body).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
      expect(body).toContain('# TYPE switchyard_exec_queue_depth gauge');
    }
  });
});

describe('registerHttpMetrics', () => {
  let fastify: FastifyInstance;
  afterEach(async () => {
    await fastify?.close();
  });

  it('counts an answer once, and a stream the client closed once with its status, for its whole life', async () => {
    const metrics = new Metrics();
    fastify = Fastify();
    registerHttpMetrics(fastify, metrics);
    let streamOpen = false;
    fastify.get('/plain', (_request, reply) => reply.send('ok'));
    fastify.get('/stream', (_request, reply) => {
      void reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write(': hello\n\n');
      streamOpen = true;
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const port = (fastify.server.address() as AddressInfo).port;
    const plain = await fetch(`http://127.0.0.1:${port}/plain`);
    expect(await plain.text()).toBe('ok');
    // The client reads the head of the stream, waits, then goes away.
    const req = httpRequest({ port, host: '127.0.0.1', path: '/stream' });
    await new Promise<void>((resolve) => {
      req.once('response', () => resolve());
      req.end();
    });
    await waitFor(() => streamOpen, { what: 'the stream to be open' });
    const heldFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const heldMs = Date.now() - heldFrom;
    req.destroy();
    const stream = { method: 'GET', route: '/stream', status: '200' };
    await waitFor(async () => sample(await scrape(metrics), 'switchyard_http_requests_total', stream) === 1, {
      what: 'the stream to be counted',
    });
    const text = await scrape(metrics);
    expect(sample(text, 'switchyard_http_requests_total', { ...stream, route: '/plain' })).toBe(1);
    expect(sample(text, 'switchyard_http_request_duration_seconds_count', stream)).toBe(1);
    expect(sample(text, 'switchyard_http_request_duration_seconds_sum', stream)).toBeGreaterThanOrEqual(
      heldMs / 1000,
    );
  });
});

describe('BoundedLabel', () => {
  it('keeps plain words up to its limit, then counts the rest as other', () => {
    const label = new BoundedLabel(2);
    expect(label.of('ok')).toBe('ok');
    expect(label.of('ENGINE_TIMEOUT')).toBe('ENGINE_TIMEOUT');
    expect(label.of('ok')).toBe('ok');
    expect(label.of('third')).toBe(OTHER);
    expect(new BoundedLabel(5).of('has spaces')).toBe(OTHER);
    expect(new BoundedLabel(5).of('x'.repeat(65))).toBe(OTHER);
    expect(new BoundedLabel(5).of(null)).toBe(OTHER);
  });
});
