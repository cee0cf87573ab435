import type { AddressInfo } from 'node:net';
import { runInNewContext, Script } from 'node:vm';
import type { ErrorCode } from '../../src/common/errors/error-codes';
import { graphiqlAsset } from '../../src/graphiql/graphiql.assets';
import {
  CLIENT_ENDED,
  deploymentProgressOf,
  engineEventOf,
  resolvePayload,
  subscriptionOf,
} from '../../src/live/graphql/live-subscription';
import type { LiveStream, StreamMessage } from '../../src/live/live.types';
import { wsSubscribe, type WsSubscription } from '../support/graphql-ws';
import { auditRows } from '../support/memory-app';
import { MemoryEngine } from '../support/memory-engine';
import { startAppOn, type TestApp } from '../support/test-app';

// A hub stream in memory: messages pushed by the test, ended by the test or by close().
class FakeStream<T> implements LiveStream<T> {
  endReason: string | null = null;
  endCode: ErrorCode | null = null;
  closedWith: string | null = null;
  private readonly queue: StreamMessage<T>[] = [];
  private wake: (() => void) | null = null;

  push(message: StreamMessage<T>): void {
    this.queue.push(message);
    this.wake?.();
  }

  end(reason: string, code: ErrorCode | null): void {
    this.endReason = reason;
    this.endCode = code;
    this.wake?.();
  }

  close(reason: string): void {
    this.closedWith = reason;
    this.end(reason, null);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamMessage<T>> {
    for (;;) {
      const message = this.queue.shift();
      if (message) {
        yield message;
        continue;
      }
      if (this.endReason !== null) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

const EVENT = {
  type: 'network',
  action: 'create',
  id: 'abc123',
  name: 'n1',
  attributes: { name: 'n1', driver: 'bridge' },
  time: '2026-11-30T12:00:00.000Z',
};

describe('GraphQL subscription messages', () => {
  it('answer the engine event with the message id as eventId', () => {
    expect(engineEventOf({ id: '42', data: EVENT })).toEqual({ ...EVENT, eventId: '42' });
  });

  it('answer deployment progress with the message id as id', () => {
    const action = {
      action: 'create' as const,
      kind: 'network' as const,
      name: 'n1',
      status: 'running' as const,
      durationMs: null,
      error: null,
    };
    expect(
      deploymentProgressOf({
        id: '7',
        data: { deploymentId: 'd1', type: 'action', index: 0, action, deployment: null },
      }),
    ).toEqual({ eventId: '7', deploymentId: 'd1', type: 'action', index: 0, action, deployment: null });
  });
});

describe('subscriptionOf (a hub stream as a subscription iterator)', () => {
  it('yields the mapped messages, then ends quietly on a normal end', async () => {
    const stream = new FakeStream<string>();
    const iterator = subscriptionOf(stream, (m) => m.data.toUpperCase());
    stream.push({ id: '1', data: 'a' });
    expect(resolvePayload((await iterator.next()).value as { value: string })).toBe('A');
    stream.end('The deployment ended.', null);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("ends with one error payload carrying the hub's code and reason", async () => {
    const stream = new FakeStream<string>();
    const iterator = subscriptionOf(stream, (m) => m.data);
    stream.end('The reader fell behind by 1000 messages.', 'STREAM_OVERFLOW');
    const last = await iterator.next();
    expect(last.done).toBe(false);
    expect(() => resolvePayload(last.value as never)).toThrow(
      expect.objectContaining({
        code: 'STREAM_OVERFLOW',
        message: 'The reader fell behind by 1000 messages.',
      }),
    );
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('closes the hub stream on return() and ends a pending next() at once', async () => {
    const stream = new FakeStream<string>();
    const iterator = subscriptionOf(stream, (m) => m.data);
    const pending = iterator.next();
    await iterator.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(stream.closedWith).toBe(CLIENT_ENDED);
  });
});

describe("GraphiQL's start script", () => {
  it('is valid JavaScript and sends subscriptions to the graphql-ws URL', () => {
    const js = graphiqlAsset('init.js')!.body.toString();
    expect(() => new Script(js)).not.toThrow();
    expect(js).toContain("subscriptionUrl: url.replace(/^http/, 'ws')");
  });

  it("tells a subscription by the text sent (the editor's parsed document may lag behind typing)", () => {
    const js = graphiqlAsset('init.js')!.body.toString();
    const source = js.slice(
      js.indexOf('  function isSubscription'),
      js.indexOf('  function withOperationType'),
    );
    const isSubscription = runInNewContext(`${source}; isSubscription;`) as (
      query: string,
      operationName?: string,
    ) => boolean;
    expect(isSubscription('subscription { engineEvents { id } }')).toBe(true);
    expect(isSubscription('# events\n  subscription { engineEvents { id } }')).toBe(true);
    expect(isSubscription('{ networks { name } }')).toBe(false);
    expect(isSubscription('# subscription\n{ networks { name } }')).toBe(false);
    const two = 'query A { networks { name } } subscription B { engineEvents { id } }';
    expect(isSubscription(two, 'B')).toBe(true);
    expect(isSubscription(two, 'A')).toBe(false);
    expect(isSubscription('subscription Bx { engineEvents { id } }', 'B')).toBe(false);
  });
});

describe('GraphQL subscriptions: refusals (in-memory engine)', () => {
  let t: TestApp;
  let port: number;
  const open: WsSubscription[] = [];
  const subscribe = async (key: string | null, query: string, variables?: Record<string, unknown>) => {
    const s = await wsSubscribe(port, key, query, variables);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startAppOn(new MemoryEngine(), { GRAPHQL_MAX_DEPTH: 3, GRAPHQL_MAX_COST: 15 });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  }, 60_000);
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(() => t?.close());

  it('refuses a subscription over HTTP POST with a 400 that says where to send it', async () => {
    const res = await t.gql('subscription { engineEvents { id } }').expect(400);
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringContaining('graphql-transport-ws'),
      extensions: { code: 'VALIDATION_FAILED', status: 400 },
    });
  });

  it('refuses a subscription over GET with a 405 that says where to send it', async () => {
    const res = await t.http
      .get('/graphql')
      .query({ query: 'subscription { engineEvents { id } }' })
      .set('apollo-require-preflight', 'true')
      .expect(405);
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringContaining('WebSocket'),
      extensions: { code: 'METHOD_NOT_ALLOWED' },
    });
  });

  it('closes a socket without a key with 4403', async () => {
    const s = await subscribe(null, 'subscription { engineEvents { id } }');
    await s.ended();
    expect(s.closed).toMatchObject({ code: 4403, reason: expect.stringContaining('API key') });
  });

  it('refuses an action the engine never reports with VALIDATION_FAILED', async () => {
    const s = await subscribe(
      t.config.ADMIN_API_KEY!,
      'subscription { engineEvents(filter: { action: "crate" }) { id } }',
    );
    await s.ended();
    await s.next(1);
    expect(s.results[0].errors[0].extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'action', message: expect.stringContaining('for containers attach, commit') }],
    });
  });

  it('refuses a bad filter with VALIDATION_FAILED, then completes', async () => {
    const s = await subscribe(
      t.config.ADMIN_API_KEY!,
      'subscription { engineEvents(filter: { type: "volume", label: ["=x"] }) { id } }',
    );
    await s.ended();
    await s.next(1);
    expect(s.results[0].errors[0].extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: expect.arrayContaining([{ field: 'type', message: 'type must be network or container' }]),
    });
    // Audited as a refusal of the key, as over HTTP.
    expect(auditRows(t, "outcome = 'denied' AND detail LIKE '%type must be%'")).toEqual([
      expect.objectContaining({
        transport: 'graphql',
        actor: 'bootstrap-admin',
        detail: expect.stringContaining('type must be network or container'),
      }),
    ]);
  });

  it('applies the document rules to subscription documents (depth)', async () => {
    const s = await subscribe(
      t.config.ADMIN_API_KEY!,
      'subscription { deploymentProgress(id: "x") { deployment { actions { name } } } }',
    );
    await s.ended();
    expect(s.error?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  });

  it('applies the document rules to subscription documents (cost: the root weighs as a query)', async () => {
    const s = await subscribe(
      t.config.ADMIN_API_KEY!,
      'subscription { engineEvents { type action id name attributes time } }',
    );
    await s.ended();
    expect(s.error?.[0]).toMatchObject({
      message: expect.stringContaining('costs 16'),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses two root fields in one subscription (graphql-js rule), as a document error', async () => {
    const s = await subscribe(
      t.config.ADMIN_API_KEY!,
      'subscription { engineEvents { id } deploymentProgress(id: "x") { eventId } }',
    );
    await s.ended();
    expect(s.error?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});
