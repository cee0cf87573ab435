import { MemoryEngine } from '../support/memory-engine';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../support/test-app';

// The published OpenAPI document (/api/openapi.json), checked without Docker: what every operation
// must say, and the rules the service enforces. The third-party validators run in
// test/e2e/openapi-validators.e2e-spec.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, read by path
type Schema = Record<string, any>;
interface Operation {
  operationId: string;
  tags?: string[];
  description?: string;
  parameters?: Array<{ name: string; in: string; schema: Schema; example?: unknown }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Schema;
  const operations: Array<[string, string, Operation]> = [];
  const schema = (name: string) => doc.components.schemas[name] as Schema;

  beforeAll(async () => {
    t = await startAppOn(new MemoryEngine({ apiVersion: '1.45' }));
    doc = (await t.anon.get('/api/openapi.json').expect(200)).body;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>))
      for (const [method, operation] of Object.entries(item)) operations.push([method, path, operation]);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('is OpenAPI 3.1, with a bearer scheme for API keys (not JWT) that says where keys come from', () => {
    expect(doc.openapi).toBe('3.1.0');
    const bearer = doc.components.securitySchemes.bearer;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.bearerFormat).not.toMatch(/jwt/i);
    expect(bearer.description).toContain('POST /api/v1/api-keys');
    expect(bearer.description).toContain('docs/security.md');
    expect(bearer.description).toMatch(/first start/i);
  });

  it('gives every operation a description, defined tags, the bearer scheme and the answers it can give', () => {
    const defined = new Set((doc.tags as Array<{ name: string }>).map((tag) => tag.name));
    const problems: string[] = [];
    for (const [method, path, op] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.description?.trim()) problems.push(`${where}: no description`);
      if (!op.tags?.length) problems.push(`${where}: no tag`);
      for (const tag of op.tags ?? [])
        if (!defined.has(tag)) problems.push(`${where}: tag ${tag} not defined`);
      const statuses = Object.keys(op.responses);
      const expected: string[] = [];
      if (path.startsWith('/health/')) {
        if (op.security?.length) problems.push(`${where}: health needs no key`);
        expect(op.responses['200'].content?.['application/json'].schema).toBeDefined();
        continue;
      }
      if (JSON.stringify(op.security) !== JSON.stringify([{ bearer: [] }]))
        problems.push(`${where}: security ${JSON.stringify(op.security)}`);
      expected.push('401', '403', '429');
      if (method === 'post' || method === 'delete') expected.push('400', '413', '415');
      if (path.includes('{')) expected.push('414');
      for (const status of expected)
        if (!statuses.includes(status)) problems.push(`${where}: ${status} not documented`);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const content = op.responses[status].content?.['application/problem+json'];
        if (content?.schema.$ref !== '#/components/schemas/Problem')
          problems.push(`${where}: ${status} is not a Problem`);
      }
    }
    expect(problems).toEqual([]);
    expect(operations.length).toBeGreaterThan(25);
  });

  it('describes nullable objects and enums so that null validates', () => {
    const ping = schema('PingResultModel').properties;
    for (const field of ['diagnosis', 'rttMs'])
      expect(ping[field].anyOf).toEqual([
        { $ref: `#/components/schemas/${field === 'rttMs' ? 'RoundTripModel' : 'DiagnosisModel'}` },
        { type: 'null' },
      ]);
    const outcome = schema('AuditEntryModel').properties.outcome;
    expect(outcome.type).toEqual(['string', 'null']);
    expect(outcome.enum).toContain(null);
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it('describes the CSV and NDJSON exports as what they are', () => {
    const content = doc.paths['/api/v1/audit-logs'].get.responses['200'].content;
    expect(content['application/json'].schema.$ref).toBe('#/components/schemas/AuditLogPageModel');
    expect(content['text/csv'].schema.type).toBe('string');
    expect(content['application/x-ndjson'].schema.type).toBe('string');
  });

  it('types the health answers', () => {
    const ready = doc.paths['/health/ready'].get.responses;
    for (const status of ['200', '503']) {
      const body = ready[status].content['application/json'].schema;
      expect(JSON.stringify(body)).toContain('ready');
    }
    expect(doc.paths['/health/live'].get.responses['200'].content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['status'],
    });
  });

  it('states the rules the service enforces: unknown fields, ranges, list sizes, names, UUIDs and MACs', () => {
    for (const name of [
      'CreateNetworkInput',
      'IpamInput',
      'IpamConfigInput',
      'ConnectContainerInput',
      'PruneNetworksInput',
      'RunContainerInput',
      'ExecInput',
      'PingInput',
      'MatrixInput',
      'CreateApiKeyInput',
    ])
      expect([name, schema(name)?.additionalProperties]).toEqual([name, false]);
    const network = schema('CreateNetworkInput').properties;
    expect(network.name).toMatchObject({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$', maxLength: 64 });
    expect(network.labels).toMatchObject({ maxProperties: 64 });
    expect(schema('ConnectContainerInput').properties.macAddress.pattern).toBeDefined();
    expect(
      new RegExp(schema('ConnectContainerInput').properties.macAddress.pattern).test('02:42:ac:11:00:02'),
    ).toBe(true);
    expect(
      new RegExp(schema('ConnectContainerInput').properties.macAddress.pattern).test('01:00:5e:00:00:01'),
    ).toBe(false);
    expect(schema('ExecInput').properties.command).toMatchObject({ type: 'array', minItems: 1 });
    const revoke = doc.paths['/api/v1/api-keys/{id}'].delete.parameters[0];
    expect(revoke.schema).toMatchObject({ type: 'string', format: 'uuid' });
    const limit = (
      doc.paths['/api/v1/audit-logs'].get.parameters as Array<{ name: string; schema: Schema }>
    ).find((p) => p.name === 'limit');
    expect(limit?.schema).toMatchObject({ minimum: 1, maximum: 500 });
  });

  it('pre-fills no example filter on list endpoints (Swagger UI would send it and hide everything)', () => {
    const prefilled: string[] = [];
    for (const [method, path, op] of operations) {
      if (method !== 'get') continue;
      for (const parameter of op.parameters ?? []) {
        if (parameter.in !== 'query') continue;
        if (
          parameter.example !== undefined ||
          parameter.schema.example !== undefined ||
          parameter.schema.default
        )
          prefilled.push(`${path} ${parameter.name}`);
      }
    }
    expect(prefilled).toEqual([]);
  });
});
