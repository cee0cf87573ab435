import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { auditRows } from '../support/memory-app';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// "No 5xx under odd input": a bounded, seeded fuzz of every REST route (from the app's own OpenAPI
// document) and every GraphQL query and mutation field (from introspection), with keys of every
// role. Each answer must be below 500, every 4xx must carry a stable code, the service must log
// no error, and the audit chain must still verify. Reproduce a failure with FUZZ_SEED=<seed>;
// FUZZ_TRACE=<text> prints every REST exchange whose description contains <text>.
// Phases: each route once; a structural sweep of each route's body (each node wrapped in an array,
// its items in arrays, or made odd); then routes at random. A prune is always pinned to this run's
// label, and a string that could be an id prefix of another test's object is never sent.
// A route that answers a Server-Sent Events stream (text/event-stream) is asked with a raw request:
// its status and headers are read, then the stream is cut (a 200 never ends), and the service must
// free the stream's slot (MAX_STREAMS_PER_KEY) at once.
// Subnets of this file: 10.227.0.0/16. Only bridge networks (or invalid drivers), never host
// networking. A file of its own: Nest's logger is process-wide (see request-logs).

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026);
// The routes once and the structural sweep (about 320 requests with the live-state routes), then
// at least 100 at random.
const REST_REQUESTS = 480;
const GRAPHQL_REQUESTS = 180;
const CODE = /^[A-Z][A-Z0-9_]*$/;
const DRIVER_LIKE = /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/;
// How long a streaming route may take to answer its status and headers (or a refusal, whole), and
// the service to free a cut stream's slot: seconds on a busy machine.
const STREAM_DEADLINE_MS = 20_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

// mulberry32: small, seeded, the same sequence on every machine.
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

interface StreamAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

// A request to a Server-Sent Events route: resolves with the status and headers of a stream (then
// cut: a 200 never ends) or with a refusal read whole; rejects at the deadline (the request cut).
function streamRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  raw: string | undefined,
): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: method.toUpperCase(),
      path,
      headers: raw === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(raw)) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${STREAM_DEADLINE_MS} ms`));
    }, STREAM_DEADLINE_MS);
    // Cutting the stream makes the request (and the answer) emit errors: expected.
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('response', (res) => {
      res.on('error', () => undefined);
      const answer = { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') };
      if (answer.contentType.startsWith('text/event-stream')) {
        clearTimeout(timer);
        res.destroy();
        req.destroy();
        resolve({ ...answer, body: null });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: kept as text, for the failure message.
        }
        resolve({ ...answer, body });
      });
    });
    req.end(raw);
  });
}

const ODD_STRINGS = [
  '',
  ' ',
  '\t\n',
  'x'.repeat(300),
  'y'.repeat(5000),
  'zé€😀𝕏',
  '\u0000',
  'nul\u0000inside',
  '\u202eevil',
  '\uffff\ufffe',
  '\ud800',
  'a\udc00b',
  '../../etc/passwd',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  "'; DROP TABLE api_keys; --",
  '${jndi:x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '-1',
  'NaN',
  'Infinity',
  '1e308',
  'true',
  'null',
  '[]',
  '{}',
  '10.227.0.0/33',
  '10.227.0.0/-1',
  '999.1.1.1',
  '10.227.0.0/24/24',
  '::ffff:zz',
  'ff02::1%eth0',
  '0x10',
  'q '.repeat(40),
];
const ODD_NUMBERS = [0, -1, -0.5, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 1e-308, 65536];

// Any string that is 4+ hex digits could be an id prefix of another test's object: never send one.
function safeString(s: string): string {
  return /^[0-9a-f]{4,64}$/i.test(s) ? `z${s}` : s;
}

// Percent-encodes the UTF-8 bytes of a string (a lone surrogate too, which encodeURIComponent
// refuses): U+FFFD, as any client would send it.
function percent(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

// A JSON value as a GraphQL literal (input object keys unquoted; a key that is not a GraphQL
// name stays quoted, a parse error, which is odd input too).
function literal(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : JSON.stringify(k)}: ${literal(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

function deep(depth: number, rng: Rng): Json {
  let value: Json = 'leaf';
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? [value] : { k: value };
  return value;
}

function oddValue(rng: Rng, depth = 0): Json {
  switch (rng.int(12)) {
    case 0:
    case 1:
      return safeString(rng.pick(ODD_STRINGS));
    case 2:
    case 3:
      return rng.pick(ODD_NUMBERS);
    case 4:
      return null;
    case 5:
      return rng.chance(0.5);
    case 6:
      return depth > 2 ? [] : [oddValue(rng, depth + 1), oddValue(rng, depth + 1)];
    case 7:
      return depth > 2 ? {} : { [safeString(rng.pick(ODD_STRINGS)) || 'k']: oddValue(rng, depth + 1) };
    case 8:
      return [[{ subnet: '10.227.200.0/24' }], [[]]];
    case 9:
      return deep(10 + rng.int(50), rng);
    case 10:
      // Own keys named __proto__ and constructor (an object literal would set the prototype).
      return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as Json;
    default:
      return Array.from({ length: 40 + rng.int(60) }, (_, i) => `v${i}`);
  }
}

describe('odd input: no 5xx, stable codes, no error logs, audit chain intact', () => {
  const p = runPrefix('odd');
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let t: TestApp;
  const keys: Record<string, string> = { admin: TEST_ADMIN_KEY };
  const failures: string[] = [];
  let subnetCounter = 10;
  let nameCounter = 0;
  // Every optional field too: the structural sweep reaches each node of a complete input.
  let full = false;
  const fixtures = { network: `${p}net`, container: `${p}box` };
  const counts = {
    rest: 0,
    graphql: 0,
    routes: 0,
    fields: 0,
    sweep: 0,
    // Streams opened (200 text/event-stream), cut, and seen freed.
    streams: 0,
    statuses: {} as Record<number, number>,
  };

  // Values that are valid by shape, so a single odd value lands deep in an otherwise good input.
  function validFor(key: string, schema: Schema | undefined, rng: Rng, resolve: (s: Schema) => Schema): Json {
    const s = schema ? resolve(schema) : {};
    if (Array.isArray(s.enum)) return rng.pick(s.enum as Json[]);
    const lower = key.toLowerCase();
    if (lower === 'name' || lower === 'hostname') return `${p}n${nameCounter++}`;
    if (lower === 'subnet') return `10.227.${subnetCounter}.0/24`;
    if (lower === 'gateway') return `10.227.${subnetCounter}.1`;
    if (lower === 'iprange') return `10.227.${subnetCounter++}.128/25`;
    if (lower === 'ipv4address') return '10.227.1.77';
    if (lower === 'ipv6address') return 'fd00:227::77';
    if (lower === 'image') return TEST_IMAGE;
    if (lower === 'driver') return 'bridge';
    if (lower === 'role') return rng.pick(['viewer', 'operator', 'admin']);
    if (lower === 'network' || lower === 'ref') return fixtures.network;
    if (lower === 'container' || lower === 'from' || lower === 'to') return fixtures.container;
    if (lower === 'command') return ['true'];
    if (lower === 'macaddress') return '02:42:0a:e3:01:4d';
    if (lower === 'expiresat' || lower === 'since') return '2030-01-01T00:00:00Z';
    if (lower === 'labels' || lower === 'scope' || lower === 'env') return { team: `${p}t` };
    // OpenAPI 3.1: a nullable value's type is a list with "null".
    switch (Array.isArray(s.type) ? (s.type as string[]).find((type) => type !== 'null') : s.type) {
      case 'object': {
        const out: Record<string, Json> = {};
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const required = (s.required ?? []) as string[];
        for (const [k, v] of Object.entries(props))
          if (required.includes(k) || full || rng.chance(0.6)) out[k] = validFor(k, v, rng, resolve);
        if (!Object.keys(props).length && s.additionalProperties) out.k = 'v';
        return out;
      }
      case 'array':
        return [validFor(key, s.items as Schema, rng, resolve)];
      case 'integer':
      case 'number':
        return 1;
      case 'boolean':
        return rng.chance(0.5);
      default:
        return 'x';
    }
  }

  // One to three odd changes somewhere in a value.
  function mutate(value: Json, rng: Rng): Json {
    if (rng.chance(0.1)) return oddValue(rng);
    const rounds = 1 + rng.int(3);
    let root = value;
    for (let i = 0; i < rounds; i++) root = mutateOnce(root, rng);
    return root;
  }

  function nodePaths(value: Json): Array<Array<string | number>> {
    const paths: Array<Array<string | number>> = [];
    const walk = (v: Json, at: Array<string | number>) => {
      paths.push(at);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    };
    walk(value, []);
    return paths;
  }

  // Picks one node of the whole value uniformly (deep ones as likely as the root) and changes it:
  // an odd value, wrapped in an array (arrays of arrays, an array for an object), an array turned
  // into an object, or an unknown field.
  function mutateOnce(value: Json, rng: Rng, at?: Array<string | number>, forced?: number): Json {
    const paths = nodePaths(value);
    const target = at ?? rng.pick(paths);
    const change = (v: Json): Json => {
      const action = forced ?? rng.int(5);
      if (action === 0) return [v];
      if (action === 1 && Array.isArray(v)) return v.map((x) => [x]);
      if (action === 1 && v && typeof v === 'object') return [[v]];
      if (action === 2 && Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
      if (action === 3 && v && typeof v === 'object' && !Array.isArray(v))
        return { ...v, [`unknown${rng.int(3)}`]: oddValue(rng) };
      return oddValue(rng);
    };
    const rebuild = (v: Json, rest: Array<string | number>): Json => {
      if (!rest.length) return change(v);
      const [head, ...tail] = rest;
      if (Array.isArray(v)) return v.map((x, i) => (i === head ? rebuild(x, tail) : x));
      const o = v as Record<string, Json>;
      return { ...o, [head]: rebuild(o[head], tail) };
    };
    return rebuild(value, target);
  }

  // What the fuzz must never do to a shared engine, whatever it generates: names outside the run
  // prefix, drivers other than bridge, host networking, or a prune beyond the run's own label.
  function sanitize(value: Json, path: string[] = []): Json {
    if (Array.isArray(value)) return value.map((v) => sanitize(v, path));
    if (value && typeof value === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) out[k] = sanitize(v, [...path, k]);
      return out;
    }
    const key = path[path.length - 1] ?? '';
    if (typeof value === 'string') {
      const parent = path[path.length - 2];
      if ((key === 'name' || key === 'hostname') && parent !== 'restartPolicy' && !value.startsWith(p))
        return `${p}${value}`;
      if (key === 'driver' && DRIVER_LIKE.test(value)) return path.includes('ipam') ? 'default' : 'bridge';
      if (key === 'networkMode' && (/^host$/i.test(value.trim()) || /^container:/i.test(value)))
        return 'bridge';
      if (key === 'parent') return `${p}noparent`;
      return safeString(value);
    }
    return value;
  }

  function pinPrune(value: Json): Json {
    const base = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    return { ...base, labels: [`${TEST_LABEL}=${p}`] };
  }

  function record(what: string, status: number, body: unknown, transport: 'rest' | 'graphql') {
    counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
    if (status >= 500) {
      failures.push(`${status} ${what} -> ${JSON.stringify(body).slice(0, 400)}`);
      return;
    }
    if (transport === 'rest' && status >= 400) {
      const code = (body as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !CODE.test(code))
        failures.push(`${status} without a code: ${what} -> ${JSON.stringify(body).slice(0, 300)}`);
    }
    if (transport === 'graphql') {
      const errors = (body as { errors?: unknown } | null)?.errors;
      if (status >= 400 && !Array.isArray(errors))
        failures.push(`${status} without errors: ${what} -> ${JSON.stringify(body).slice(0, 300)}`);
      for (const e of Array.isArray(errors) ? errors : []) {
        const code = (e as { extensions?: { code?: unknown } })?.extensions?.code;
        if (typeof code !== 'string' || !CODE.test(code))
          failures.push(`GraphQL error without a code: ${what} -> ${JSON.stringify(e).slice(0, 300)}`);
      }
    }
  }

  // A streaming route's answer: a 200 is a stream of events; a refusal is problem+json with a
  // stable code (record checks the code), and never TOO_MANY_STREAMS: the file's streams are all
  // cut and freed before the next request.
  function checkStream(what: string, res: StreamAnswer) {
    if (res.status === 200 && !res.contentType.startsWith('text/event-stream'))
      failures.push(`200 as ${res.contentType}, not text/event-stream: ${what}`);
    if (res.status >= 400 && res.status < 500 && !res.contentType.startsWith('application/problem+json'))
      failures.push(`${res.status} as ${res.contentType}, not problem+json: ${what}`);
    if ((res.body as { code?: unknown } | null)?.code === 'TOO_MANY_STREAMS')
      failures.push(`TOO_MANY_STREAMS (a stream slot not freed): ${what}`);
  }

  beforeAll(async () => {
    t = await startApp({ LOG_LEVEL: 'warn' }, { logStream: sink });
    // A port of its own for the raw requests to the streaming routes (supertest uses it too).
    await t.app.listen(0, '127.0.0.1');
    for (const role of ['viewer', 'operator'])
      keys[role] = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: `${p}${role}`, role })
          .expect(201)
      ).body.key as string;
    keys.scoped = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}scoped`, role: 'operator', scope: { team: `${p}t` } })
        .expect(201)
    ).body.key as string;
    await t.http
      .post('/api/v1/networks')
      .send({
        name: fixtures.network,
        ipam: { config: [{ subnet: '10.227.1.0/24' }] },
        labels: { team: `${p}t` },
      })
      .expect(201);
    await t.http
      .post('/api/v1/containers')
      .send({
        name: fixtures.container,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: [{ network: fixtures.network }],
        labels: { [TEST_LABEL]: p, team: `${p}t` },
      })
      .expect(201);
  });

  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const ODD_SEGMENTS = [
    '%00',
    '%ZZ',
    '%',
    '%25',
    '..',
    '%2e%2e',
    '%2F',
    'a%2Fb',
    '%C0%AE',
    '%E2%80%AE',
    '%F0%9F%98%80',
    '%20',
    '-1',
    '1e308',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'bridge',
    'host',
    'x'.repeat(300),
    'y'.repeat(3000),
    percent('\u0000\u0001\u001f'),
    percent('zé€😀'),
    percent('a b;c=d'),
    percent('\ud800'),
    '00000000-0000-0000-0000-00000000000g',
  ];
  const ODD_QUERIES = [
    'a=1&a=2',
    'limit=-1',
    'limit=1e308',
    'limit=abc',
    'tail=-5',
    'tail=99999999999999999999',
    'force=maybe',
    'force=',
    'timeout=-1',
    'timeout=1.5',
    'label[]=x',
    'label[a]=b',
    'label=%00',
    'since=notadate',
    'since=-1',
    'cursor=%FF',
    'cursor=-1',
    '__proto__[x]=1',
    'constructor[prototype][x]=1',
    'format=xml',
    'all=2',
    '%=%',
    '&&&',
    'x='.concat('q'.repeat(3000)),
  ];
  const CONTENT_TYPES = [
    ...Array<string>(14).fill('application/json'),
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/problem+json',
    'application/xml',
    '',
  ];

  it('REST: every route from the OpenAPI document, every role', async () => {
    failures.length = 0;
    const rng = prng(SEED);
    const doc = (await t.http.get('/api/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, Schema>>;
      components?: { schemas?: Record<string, Schema> };
    };
    const resolve = (s: Schema): Schema => {
      const ref = s.$ref as string | undefined;
      if (ref) return resolve(doc.components?.schemas?.[ref.split('/').pop() ?? ''] ?? {});
      if (Array.isArray(s.allOf) && s.allOf.length === 1) return resolve(s.allOf[0] as Schema);
      // OpenAPI 3.1: a nullable object is `anyOf: [{ $ref }, { type: 'null' }]`.
      const [some] = ((s.anyOf ?? []) as Schema[]).filter((alternative) => alternative.type !== 'null');
      if (some) return resolve(some);
      return s;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ path, method, op })),
    );
    counts.routes = operations.length;
    expect(operations.length).toBeGreaterThan(15);
    const server = t.app.getHttpServer();
    const port = (server.address() as AddressInfo).port;
    // Routes whose answer is a stream of Server-Sent Events.
    const streams = (op: Schema) =>
      Boolean(
        (op.responses as Record<string, { content?: Record<string, unknown> }> | undefined)?.['200']
          ?.content?.['text/event-stream'],
      );
    expect(operations.filter((o) => streams(o.op)).map((o) => o.path)).toEqual(
      expect.arrayContaining(['/api/v1/events', '/api/v1/deployments/{id}/events']),
    );
    // The SSE streams open in the service now, from its metrics (this file opens no other stream).
    const openStreams = async (): Promise<number> => {
      const text = (
        await request(server).get('/metrics').set('authorization', `Bearer ${keys.admin}`).expect(200)
      ).text;
      return [...text.matchAll(/^switchyard_streams_open\{([^}]*)\} (\S+)$/gm)]
        .filter(([, labels]) => labels.includes('transport="sse"'))
        .reduce((sum, [, , value]) => sum + Number(value), 0);
    };

    const bodyOf = (op: Schema) =>
      (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;
    // The structural sweep: each node of each route's body, one field at a time (the required
    // ones, and one optional field complete), wrapped in an array, its items wrapped in arrays
    // (arrays of arrays), and replaced by an odd value.
    const sweep: Array<{ index: number; at: Array<string | number>; action: number; keep: string[] }> = [];
    operations.forEach((o, index) => {
      const schema = bodyOf(o.op);
      if (!schema) return;
      full = true;
      const complete = validFor('', schema, rng, resolve);
      full = false;
      if (!complete || typeof complete !== 'object' || Array.isArray(complete)) return;
      const required = ((resolve(schema).required ?? []) as string[]).filter((k) => k in complete);
      for (const at of nodePaths(complete)) {
        if (at.length === 0 || (at.length > 1 && typeof at[at.length - 1] === 'number')) continue;
        const keep = [...new Set([...required, String(at[0])])];
        for (const action of [0, 1, 4]) sweep.push({ index, at, action, keep });
      }
    });
    const sweepEnd = operations.length + sweep.length;
    counts.sweep = sweep.length;
    expect(sweepEnd).toBeLessThan(REST_REQUESTS - 100);

    const started = Date.now();
    for (let i = 0; i < REST_REQUESTS; i++) {
      // Every route once, then the sweep, then at random (routes with a body twice as often).
      const planned = i >= operations.length && i < sweepEnd ? sweep[i - operations.length] : undefined;
      const { path, method, op } =
        i < operations.length
          ? operations[i]
          : planned
            ? operations[planned.index]
            : rng.chance(0.5)
              ? rng.pick(operations.filter((o) => bodyOf(o.op)))
              : rng.pick(operations);
      const role = planned
        ? 'admin'
        : rng.pick(['admin', 'operator', 'viewer', 'scoped', 'scoped', 'operator']);
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        if (planned || rng.chance(0.3))
          return name === 'container' || path.startsWith('/api/v1/containers')
            ? fixtures.container
            : fixtures.network;
        return rng.pick(ODD_SEGMENTS);
      });
      const params = ((op.parameters ?? []) as Schema[]).filter((x) => x.in === 'query');
      const query: string[] = [];
      for (const param of params)
        if (rng.chance(0.5)) {
          const v = rng.chance(0.4)
            ? validFor(param.name as string, param.schema as Schema, rng, resolve)
            : oddValue(rng);
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          query.push(`${percent(param.name as string)}=${percent(text)}`);
        }
      if (!planned && rng.chance(0.3)) query.push(rng.pick(ODD_QUERIES));
      const fullUrl = query.length ? `${url}?${query.join('&')}` : url;

      const bodySchema = bodyOf(op);
      let body: Json | undefined;
      if (bodySchema || method === 'post' || rng.chance(0.2)) {
        full = planned !== undefined;
        body = bodySchema ? validFor('', bodySchema, rng, resolve) : {};
        full = false;
        if (planned && body && typeof body === 'object' && !Array.isArray(body)) {
          const whole = body;
          body = mutateOnce(
            Object.fromEntries(planned.keep.map((k) => [k, whole[k]])),
            rng,
            planned.at,
            planned.action,
          );
        } else if (rng.chance(0.85)) body = mutate(body, rng);
        body = sanitize(body);
        if (path.endsWith('/prune')) body = pinPrune(body);
      }
      const contentType = planned ? 'application/json' : rng.pick(CONTENT_TYPES);
      let raw: string | undefined = body === undefined ? undefined : JSON.stringify(body);
      if (raw !== undefined && !planned && rng.chance(0.08))
        raw = rng.pick(['{', '{"a":', '[1,2', 'nul', '"\\ud800"', '\u0000', '{"a":1}{"b":2}', '']);
      if (path.endsWith('/prune') && raw !== undefined && !raw.includes(p))
        raw = JSON.stringify(pinPrune({}));

      const what = `#${i} ${role} ${method.toUpperCase()} ${fullUrl.slice(0, 200)} [${contentType}] ${(raw ?? '').slice(0, 300)}`;
      let res: { status: number; body: unknown };
      if (streams(op)) {
        const headers: Record<string, string> = { authorization: `Bearer ${keys[role]}` };
        if (raw !== undefined && contentType) headers['content-type'] = contentType;
        const answer = await streamRequest(port, method, fullUrl, headers, raw).catch((error: Error) => {
          throw new Error(`${what.slice(0, 400)}: ${error.message}`);
        });
        checkStream(what, answer);
        res = answer;
        if (answer.status === 200) {
          // The cut stream's slot is free again (else the key's next streams are refused 429).
          await waitFor(async () => (await openStreams()) === 0, {
            what: `the slot of the stream cut by ${what.slice(0, 200)} to be freed`,
            timeoutMs: STREAM_DEADLINE_MS,
          });
          counts.streams++;
        }
      } else {
        let req = request(server)[method as 'get'](fullUrl).set('authorization', `Bearer ${keys[role]}`);
        if (raw !== undefined) {
          if (contentType) req = req.set('content-type', contentType);
          req = req.send(raw);
        }
        res = await req;
      }
      counts.rest++;
      if (process.env.FUZZ_TRACE && what.includes(process.env.FUZZ_TRACE))
        process.stdout.write(
          `${res.status} ${what.slice(0, 400)} -> ${JSON.stringify(res.body).slice(0, 300)}\n`,
        );
      record(what, res.status, res.body, 'rest');
    }
    // Whatever the seed drew: one key opens more streams than MAX_STREAMS_PER_KEY one after the
    // other, each cut, and none is refused (each slot was freed).
    for (let i = 0; i < t.config.MAX_STREAMS_PER_KEY + 2; i++) {
      const what = `stream ${i + 1} of the scoped key, cut`;
      const answer = await streamRequest(
        port,
        'get',
        '/api/v1/events',
        { authorization: `Bearer ${keys.scoped}` },
        undefined,
      );
      if (answer.status !== 200)
        failures.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      checkStream(what, answer);
      await waitFor(async () => (await openStreams()) === 0, {
        what: `the slot of ${what} to be freed`,
        timeoutMs: STREAM_DEADLINE_MS,
      });
    }
    process.stdout.write(
      `odd-input REST: ${REST_REQUESTS} requests (${operations.length} routes, sweep ${sweep.length}, ` +
        `${counts.streams} streams opened and cut) in ${Date.now() - started} ms\n`,
    );
    expect(failures).toEqual([]);
  });

  it('GraphQL: every query and mutation field from introspection, every role', async () => {
    failures.length = 0;
    const rng = prng(SEED ^ 0x9e3779b9);
    type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
    type Field = { name: string; args: Array<{ name: string; type: TypeRef }>; type: TypeRef };
    type FullType = {
      kind: string;
      name: string;
      fields: Field[] | null;
      inputFields: Array<{ name: string; type: TypeRef }> | null;
      enumValues: Array<{ name: string }> | null;
    };
    const typeRef =
      'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
    const introspection = await t
      .gql(
        `{ __schema { queryType { name } mutationType { name } types { kind name
          fields { name args { name type { ${typeRef} } } type { ${typeRef} } }
          inputFields { name type { ${typeRef} } } enumValues { name } } } }`,
      )
      .expect(200);
    const schema = introspection.body.data.__schema as {
      queryType: { name: string };
      mutationType: { name: string } | null;
      types: FullType[];
    };
    const types = new Map(schema.types.map((x) => [x.name, x]));
    const roots = [
      ['query', schema.queryType.name],
      ['mutation', schema.mutationType?.name],
    ] as const;
    const fields = roots.flatMap(([op, name]) =>
      name ? (types.get(name)?.fields ?? []).map((f) => ({ op, field: f })) : [],
    );
    counts.fields = fields.length;
    expect(fields.length).toBeGreaterThan(15);

    const print = (r: TypeRef): string =>
      r.kind === 'NON_NULL' ? `${print(r.ofType!)}!` : r.kind === 'LIST' ? `[${print(r.ofType!)}]` : r.name!;
    const named = (r: TypeRef): TypeRef => (r.ofType ? named(r.ofType) : r);
    const valid = (key: string, r: TypeRef): Json => {
      if (r.kind === 'NON_NULL') return valid(key, r.ofType!);
      if (r.kind === 'LIST') return [valid(key, r.ofType!)];
      const type = types.get(r.name!);
      if (type?.kind === 'ENUM') return rng.pick(type.enumValues ?? [{ name: 'X' }]).name;
      if (type?.kind === 'INPUT_OBJECT') {
        const out: Record<string, Json> = {};
        for (const f of type.inputFields ?? [])
          if (f.type.kind === 'NON_NULL' || rng.chance(0.5)) out[f.name] = valid(f.name, f.type);
        return out;
      }
      const scalar = validFor(key, undefined, rng, (s) => s);
      if (scalar !== 'x') return scalar;
      if (r.name === 'Int' || r.name === 'Float') return 1;
      if (r.name === 'Boolean') return rng.chance(0.5);
      if (r.name === 'StringMap' || r.name === 'JSON') return { k: 'v' };
      return 'x';
    };
    const selection = (r: TypeRef) => {
      const kind = types.get(named(r).name!)?.kind;
      return kind === 'OBJECT' || kind === 'INTERFACE' || kind === 'UNION' ? ' { __typename }' : '';
    };
    const RAW_DOCUMENTS: Array<Record<string, unknown> | string | unknown[]> = [
      { query: '' },
      { query: '{' },
      { query: 'query { __typename' },
      { query: '{ nosuchfield }' },
      { query: `{ ${'a: __typename '.repeat(500)} }` },
      { query: `query ${'{ __typename '.repeat(70)}${'}'.repeat(70)}` },
      { query: '{ __typename }', variables: [] },
      { query: '{ __typename }', variables: 'x' },
      { query: '{ __typename }', operationName: '\u0000' },
      { query: '{ __typename }', operationName: 5 },
      { query: 5 },
      { query: ['{ __typename }'] },
      { query: null },
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'zz' } } },
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } },
      { query: '{ __typename }', extensions: [] },
      [{ query: '{ __typename }' }, { query: '{ __typename }' }],
      'not json',
      { query: 'subscription { __typename }' },
      { query: `{ __typename } ${'#'.repeat(50_000)}` },
      { query: 'mutation { __typename }' },
      { query: 'query A { __typename } query A { __typename }' },
    ];
    const server = t.app.getHttpServer();

    for (let i = 0; i < GRAPHQL_REQUESTS; i++) {
      const role = rng.pick(['admin', 'operator', 'viewer', 'scoped', 'scoped', 'operator']);
      let payload: unknown;
      let what: string;
      if (i >= fields.length && rng.chance(0.12)) {
        payload = rng.pick(RAW_DOCUMENTS);
        what = `#${i} ${role} raw ${JSON.stringify(payload).slice(0, 300)}`;
      } else {
        const { op, field } = i < fields.length ? fields[i] : rng.pick(fields);
        const variables: Record<string, Json> = {};
        const decl: string[] = [];
        const args: string[] = [];
        for (const [j, arg] of field.args.entries()) {
          if (arg.type.kind !== 'NON_NULL' && rng.chance(0.4)) continue;
          let v = valid(arg.name, arg.type);
          if (rng.chance(0.8)) v = mutate(v, rng);
          v = sanitize(v, [arg.name]);
          if (field.name.toLowerCase().includes('prune')) v = pinPrune(v);
          if (rng.chance(0.2) && !field.name.toLowerCase().includes('prune')) {
            // A literal in the document instead of a variable (GraphQL's own input coercion).
            args.push(`${arg.name}: ${literal(v)}`);
            continue;
          }
          variables[`v${j}`] = v;
          decl.push(`$v${j}: ${print(arg.type)}`);
          args.push(`${arg.name}: $v${j}`);
        }
        if (rng.chance(0.05)) args.push(`unknownArg: 1`);
        const query = `${op}${decl.length ? ` (${decl.join(', ')})` : ''} { ${field.name}${
          args.length ? `(${args.join(', ')})` : ''
        }${selection(field.type)} }`;
        payload = { query, variables };
        what = `#${i} ${role} ${query.slice(0, 300)} ${JSON.stringify(variables).slice(0, 400)}`;
      }
      const res = await request(server)
        .post('/graphql')
        .set('authorization', `Bearer ${keys[role]}`)
        .set('content-type', 'application/json')
        .send(typeof payload === 'string' ? payload : JSON.stringify(payload));
      counts.graphql++;
      record(what, res.status, res.body, 'graphql');
    }
    expect(failures).toEqual([]);
  });

  it('logged no error and the audit chain still verifies', async () => {
    const errors = logLines.filter((line) => {
      try {
        return (JSON.parse(line) as { level?: number }).level! >= 50;
      } catch {
        return false;
      }
    });
    expect(errors.map((l) => l.slice(0, 600))).toEqual([]);
    const verify = await t.http.get('/api/v1/audit-logs/verify').expect(200);
    // The entry that does not verify, as stored, is in the failure text.
    const bad = verify.body.ok ? [] : auditRows(t, 'id = ?', verify.body.firstBadId);
    expect({ ...verify.body, bad }).toEqual(expect.objectContaining({ ok: true }));
    // The fuzz reached what it should have (the counts are in the failure text when it did not).
    expect({ ...counts, statuses: undefined }).toEqual({
      rest: REST_REQUESTS,
      graphql: GRAPHQL_REQUESTS,
      routes: counts.routes,
      fields: counts.fields,
      sweep: counts.sweep,
      streams: counts.streams,
      statuses: undefined,
    });
    process.stdout.write(`odd-input: ${JSON.stringify(counts)}\n`);
  });
});
