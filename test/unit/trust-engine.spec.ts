import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FairSemaphore } from '../../src/common/concurrency/semaphore';
import { parseCidr } from '../../src/common/net/ip';
import { DockerClient } from '../../src/engine/docker-client';
import { LogCollector } from '../../src/engine/docker-stream';
import { classifyEngineError } from '../../src/engine/engine-error.classifier';
import type { NetworkSpec } from '../../src/engine/engine.types';
import { CreateClaims } from '../../src/networks/network-claims';

const frame = (stream: 1 | 2, text: string | Buffer) => {
  const payload = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('engine failures keep their meaning', () => {
  const engineError = (statusCode: number, message: string) => ({
    statusCode,
    json: { message },
    message: `(HTTP code ${statusCode})`,
  });

  it.each([
    [500, 'invalid argument', 'ENGINE_FAILURE', 'ENGINE_ERROR', 502],
    [503, 'something odd', 'ENGINE_FAILURE', 'ENGINE_ERROR', 502],
    [
      400,
      'failed to parse com.docker.network.bridge.inhibit_ipv4 value: maybe',
      'INVALID_REQUEST',
      'VALIDATION_FAILED',
      400,
    ],
    [422, 'unprocessable', 'INVALID_REQUEST', 'VALIDATION_FAILED', 400],
    [404, 'no such thing', 'NOT_FOUND', 'NOT_FOUND', 404],
    [409, 'some conflict', 'CONFLICT', 'ENGINE_CONFLICT', 409],
  ])('HTTP %i "%s" is %s, answered %s (%i)', (status, message, reason, code, httpStatus) => {
    const rejection = classifyEngineError(engineError(status, message));
    expect(rejection?.reason).toBe(reason);
    expect(rejection?.code).toBe(code);
    expect(rejection?.status).toBe(httpStatus);
    expect(rejection?.message).toContain(message);
  });

  it('says that an unknown failure is the engine failing, not the request', () => {
    const rejection = classifyEngineError(engineError(500, 'invalid argument'));
    expect(rejection?.message).toMatch(/^The Docker engine failed: invalid argument\./);
    expect(rejection?.keepsItsMeaning).toBe(true);
  });
});

describe('API version negotiation', () => {
  // A fake engine: /_ping names the API version in its header; every other path is recorded.
  let server: http.Server;
  let port = 0;
  const paths: string[] = [];
  let apiVersion: string | null = '1.45';
  let dropNext: string | null = null;
  let pingDelayMs = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      paths.push(path);
      if (dropNext && path.endsWith(dropNext)) {
        dropNext = null;
        req.socket.destroy();
        return;
      }
      const answer = (body: unknown) => {
        res.setHeader('content-type', 'application/json');
        if (apiVersion) res.setHeader('api-version', apiVersion);
        res.end(JSON.stringify(body));
      };
      if (path === '/_ping') {
        setTimeout(() => {
          if (apiVersion) res.setHeader('api-version', apiVersion);
          res.end('OK');
        }, pingDelayMs);
        return;
      }
      if (path.endsWith('/version'))
        return answer({
          Version: '26.1.0',
          ApiVersion: apiVersion ?? '1.45',
          MinAPIVersion: '1.24',
          Os: 'linux',
          Arch: 'amd64',
        });
      if (path.endsWith('/networks')) return setTimeout(() => answer([]), 20);
      res.statusCode = 404;
      answer({ message: 'page not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    paths.length = 0;
    apiVersion = '1.45';
    dropNext = null;
    pingDelayMs = 0;
  });

  const client = () =>
    new DockerClient({ kind: 'http', endpoint: `tcp://127.0.0.1:${port}`, host: '127.0.0.1', port }, 2000);
  const list = (c: DockerClient) =>
    c.versioned('network.list', (signal) => c.docker.listNetworks({ abortSignal: signal }));

  it('reads the version from /_ping and never sends a request unversioned, also while negotiating again', async () => {
    const c = client();
    expect((await c.version()).negotiatedApiVersion).toBe('1.45');
    await Promise.all([list(c), list(c)]);
    // The engine drops a connection: the next calls negotiate again, slowly, while others run.
    dropNext = '/networks';
    await expect(list(c)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    pingDelayMs = 100;
    await Promise.all([list(c), list(c), list(c), c.version()]);
    const unversioned = paths.filter((p) => p !== '/_ping' && !p.startsWith('/v1.45/'));
    expect(unversioned).toEqual([]);
    expect(paths.filter((p) => p === '/_ping').length).toBeGreaterThanOrEqual(2);
  });

  it('speaks at most the newest version it knows, and refuses engines older than 20.10', async () => {
    apiVersion = '1.99';
    expect((await client().version()).negotiatedApiVersion).toBe('1.54');
    apiVersion = '1.40';
    await expect(client().version()).rejects.toMatchObject({ code: 'UNSUPPORTED_BY_ENGINE' });
    apiVersion = null;
    await expect(client().version()).rejects.toMatchObject({ code: 'UNSUPPORTED_BY_ENGINE' });
  });
});

describe('fair exec slots', () => {
  const busy = () => new Error('busy');
  const hold = () => {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    return { done, release };
  };

  it("lets one key take at most its share, so another key's work still runs", async () => {
    const slots = new FairSemaphore(4, 2, 64, 100, busy);
    const a = hold();
    const running: string[] = [];
    const aRuns = [1, 2, 3].map((n) =>
      slots.run('a', async () => {
        running.push(`a${n}`);
        await a.done;
      }),
    );
    const b = await slots.run('b', () => Promise.resolve('b ran'));
    expect(b).toBe('b ran');
    expect(running).toEqual(['a1', 'a2']);
    // A's third waited for A's share, not for a slot, and was refused at the queue deadline.
    const settled = await Promise.race([
      aRuns[2].then(
        () => 'ran',
        (e: Error) => e.message,
      ),
      new Promise((r) => setTimeout(() => r('pending'), 300)),
    ]);
    expect(settled).toBe('busy');
    a.release();
    await Promise.all(aRuns.slice(0, 2));
  });

  it('queues work of one key beyond its share while the queue deadline allows', async () => {
    const slots = new FairSemaphore(2, 1, 64, 1000, busy);
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        slots.run('a', async () => {
          order.push(n);
          await new Promise((r) => setTimeout(r, 10));
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('log collection under a byte cap', () => {
  it('keeps lines up to the cap, then says it is full', () => {
    const collector = new LogCollector(30);
    collector.push(Buffer.concat([frame(1, 'first line\nsecond line\n'), frame(2, 'third line\n')]));
    expect(collector.full).toBe(true);
    const lines = collector.end();
    // 11 + 12 bytes of whole lines, then 7 bytes of the third: 30 in all.
    expect(lines.map((l) => l.text)).toEqual(['first line', 'second line', 'third l']);
  });

  it('bounds a single huge line, arriving in pieces, by the cap', () => {
    const collector = new LogCollector(1000);
    const big = frame(1, Buffer.alloc(100_000, 'x'));
    for (let i = 0; i < big.length && !collector.full; i += 777) collector.push(big.subarray(i, i + 777));
    expect(collector.full).toBe(true);
    const lines = collector.end();
    expect(lines).toHaveLength(1);
    expect(lines[0].text.length).toBeLessThanOrEqual(1000);
  });

  it('reads a whole log under the cap as it was, and is not full', () => {
    const collector = new LogCollector(1000);
    const all = Buffer.concat([frame(1, '2026-11-29T10:00:00Z one\n'), frame(2, 'two\n')]);
    for (let i = 0; i < all.length; i += 3) collector.push(all.subarray(i, i + 3));
    expect(collector.end()).toEqual([
      { stream: 'stdout', timestamp: '2026-11-29T10:00:00Z', text: 'one' },
      { stream: 'stderr', timestamp: null, text: 'two' },
    ]);
    expect(collector.full).toBe(false);
  });
});

describe('network creates that cannot collide run at once', () => {
  const claim = (name: string, subnet?: string) => {
    const parsed = subnet ? parseCidr(subnet) : null;
    return {
      spec: { name, driver: 'bridge', options: {} } as unknown as NetworkSpec,
      subnets: parsed?.ok ? [parsed.cidr] : [],
    };
  };

  it('holds up only creates of the same name or an overlapping subnet', async () => {
    const claims = new CreateClaims();
    let release!: () => void;
    const slow = claims.run(claim('slow', '10.1.0.0/16'), () => new Promise<void>((r) => (release = r)));
    const events: string[] = [];
    const other = claims.run(claim('other', '10.2.0.0/16'), () => Promise.resolve(events.push('other')));
    const sameName = claims.run(claim('slow'), () => Promise.resolve(events.push('same name')));
    const overlap = claims.run(claim('x', '10.1.2.0/24'), () => Promise.resolve(events.push('overlap')));
    await other;
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['other']);
    release();
    await Promise.all([slow, sameName, overlap]);
    expect(events.sort()).toEqual(['other', 'overlap', 'same name']);
  });
});
