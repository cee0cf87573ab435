import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PROBLEM_DESCRIPTIONS, problemDescription } from '../../src/common/api/openapi-examples';
import { ERROR_CATALOG, type ErrorCode } from '../../src/common/errors/error-codes';
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
  requestBody?: {
    content: Record<
      string,
      { schema: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }
    >;
  };
  security?: Array<Record<string, string[]>>;
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema: Schema; example?: Schema }> }
  >;
}

// The Problem responses of an operation: [status, response].
const problemsOf = (op: Operation) =>
  Object.entries(op.responses).filter(([, r]) => r.content?.['application/problem+json'] !== undefined);

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
      if (method === 'post' || method === 'put') expected.push('400', '413', '415');
      if (method === 'delete') {
        expected.push('400');
        // A DELETE takes no body.
        for (const status of ['413', '415'])
          if (statuses.includes(status)) problems.push(`${where}: ${status} listed (no body)`);
      }
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

  // A validator for the document's own schemas (JSON Schema 2020-12, as OpenAPI 3.1 says).
  const validatorFor = (ref: Schema) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi.json' }, 'openapi.json');
    return ajv.compile(ref.$ref ? { $ref: `openapi.json${ref.$ref}` } : ref);
  };

  it('pre-fills every request body with whole examples that validate against its schema', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const [method, path, op] of operations) {
      const media = op.requestBody?.content['application/json'];
      if (!media) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const examples = media.examples ? Object.values(media.examples).map((e) => e.value) : [];
      if (media.example !== undefined) examples.push(media.example);
      if (examples.length === 0) problems.push(`${where}: no request example`);
      const validate = validatorFor(media.schema);
      for (const example of examples) {
        checked++;
        if (!validate(example))
          problems.push(`${where}: ${JSON.stringify(example)} ${JSON.stringify(validate.errors)}`);
        if (JSON.stringify(example).includes('additionalProp')) problems.push(`${where}: generated sample`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(8);
    const body = (path: string) =>
      Object.values(
        (doc.paths[path].post.requestBody.content['application/json'].examples ?? {}) as Record<
          string,
          { value: Schema }
        >,
      ).map((e) => e.value);
    const [network] = body('/api/v1/networks');
    expect(network).toEqual({
      name: 'demo',
      ipam: { config: [{ subnet: '10.50.0.0/24' }] },
      labels: { team: 'a' },
    });
    const containers = body('/api/v1/containers');
    expect(containers[0]).toMatchObject({ name: 'containerA', image: 'switchyard/busybox:latest' });
    for (const container of containers) expect(container.networkMode).toBeUndefined();
    expect(body('/api/v1/connectivity/ping')[0]).toEqual({ from: 'containerA', to: 'containerB' });
    expect(body('/api/v1/containers/{ref}/exec')[0]).toEqual({ command: ['cat', '/etc/hostname'] });
  });

  it('shows the image the service is run with in every example (not busybox:latest, which is not on the engine)', () => {
    expect(JSON.stringify(doc)).not.toMatch(/[^/]busybox:latest/);
    expect(schema('RunContainerInput').properties.image.example).toBe('switchyard/busybox:latest');
  });

  it('gives each error status an example problem with that status and a catalogued code of that status', () => {
    const problems: string[] = [];
    const validate = validatorFor({ $ref: '#/components/schemas/Problem' });
    for (const [method, path, op] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const [status, response] of problemsOf(op)) {
        const example = response.content?.['application/problem+json'].example;
        if (!example) {
          problems.push(`${where} ${status}: no example`);
          continue;
        }
        const catalogued = ERROR_CATALOG[example.code as ErrorCode];
        if (example.status !== Number(status)) problems.push(`${where} ${status}: status ${example.status}`);
        if (catalogued?.status !== Number(status)) problems.push(`${where} ${status}: code ${example.code}`);
        if (catalogued && example.title !== catalogued.title) problems.push(`${where} ${status}: title`);
        if (example.type !== `urn:switchyard:problem:${example.code}`)
          problems.push(`${where} ${status}: type`);
        if (status === '400' && !(example.errors?.length > 0)) problems.push(`${where} 400: no errors`);
        if (!validate(example)) problems.push(`${where} ${status}: ${JSON.stringify(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    const codeOf = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content['application/problem+json'].example.code;
    expect(codeOf('/api/v1/networks/{ref}', 'get', '404')).toBe('NETWORK_NOT_FOUND');
    expect(codeOf('/api/v1/containers/{ref}', 'get', '404')).toBe('CONTAINER_NOT_FOUND');
    expect(codeOf('/api/v1/api-keys/{id}', 'delete', '404')).toBe('API_KEY_NOT_FOUND');
    expect(codeOf('/api/v1/networks/{ref}/connections/{container}', 'delete', '404')).toBe(
      'CONNECTION_NOT_FOUND',
    );
    expect(codeOf('/api/v1/networks', 'post', '409')).toBe('NETWORK_NAME_TAKEN');
    expect(codeOf('/api/v1/containers', 'post', '409')).toBe('CONTAINER_NAME_TAKEN');
    expect(codeOf('/api/v1/networks', 'get', '401')).toBe('UNAUTHENTICATED');
    expect(codeOf('/api/v1/networks', 'get', '503')).toBe('ENGINE_UNAVAILABLE');
    expect(codeOf('/api/v1/networks', 'get', '504')).toBe('ENGINE_TIMEOUT');
    expect(codeOf('/api/v1/networks', 'get', '429')).toBe('RATE_LIMITED');
    const problem = schema('Problem').properties;
    expect(problem.status.example ?? 409).toBe(ERROR_CATALOG[problem.code.example as ErrorCode].status);
  });

  it('says the same about a status wherever it is given (but where a route is more specific)', () => {
    const descriptions = new Map<string, Set<string>>();
    for (const [, , op] of operations)
      for (const [status, response] of problemsOf(op)) {
        expect([op.operationId, status, response.description]).toEqual([
          op.operationId,
          status,
          problemDescription(op.operationId, status),
        ]);
        if (problemDescription(op.operationId, status) !== PROBLEM_DESCRIPTIONS[status]) continue;
        const seen = descriptions.get(status) ?? new Set<string>();
        seen.add(response.description ?? '');
        descriptions.set(status, seen);
      }
    const many = [...descriptions].filter(([, seen]) => seen.size !== 1).map(([s, seen]) => [s, [...seen]]);
    expect(many).toEqual([]);
    for (const [status, [description]] of descriptions) {
      expect([status, description]).not.toEqual([status, 'Error']);
      expect(description.length).toBeGreaterThan(10);
    }
    expect([...descriptions.get('401')!][0]).toMatch(/^UNAUTHENTICATED/);
  });

  it('describes the template routes: bodies, YAML as text, codes, every answer described', () => {
    const problems: string[] = [];
    for (const [method, path, op] of operations)
      for (const [status, response] of Object.entries(op.responses))
        if (!response.description?.trim()) problems.push(`${method} ${path} ${status}: no description`);
    expect(problems).toEqual([]);
    const at = (path: string, method: string): Schema => doc.paths[path][method] as Schema;
    for (const action of ['plan', 'apply', 'destroy'])
      expect([action, at(`/api/v1/templates/{name}/${action}`, 'post').requestBody.required]).not.toEqual([
        action,
        true,
      ]);
    for (const [path, method] of [
      ['/api/v1/templates', 'post'],
      ['/api/v1/templates/{name}', 'put'],
      ['/api/v1/templates/import', 'post'],
    ]) {
      const yaml = at(path, method).requestBody.content['application/yaml'];
      expect([path, yaml.schema.type, typeof yaml.schema.example]).toEqual([path, 'string', 'string']);
      const bad = at(path, method).responses['400'];
      expect([path, bad.content['application/problem+json'].example.code]).toEqual([
        path,
        'TEMPLATE_INVALID',
      ]);
      expect(bad.content['application/problem+json'].example.context.problems[0]).toEqual({
        path: expect.any(String),
        message: expect.any(String),
      });
      expect(bad.description).toMatch(/TEMPLATE_INVALID/);
      expect(at(path, method).responses['415'].description).toMatch(/YAML/);
    }
    expect(Object.keys(at('/api/v1/templates/{name}', 'put').responses)).toEqual(
      expect.arrayContaining(['413', '415']),
    );
    expect(Object.keys(at('/api/v1/templates/{name}', 'delete').responses)).not.toContain('415');
    expect(at('/api/v1/networks', 'post').responses['415'].description).not.toMatch(/YAML/);
    for (const [path, method] of [
      ['/api/v1/templates/{name}', 'get'],
      ['/api/v1/templates/{name}/plan', 'post'],
    ])
      expect(at(path, method).responses['404'].description).toMatch(/TEMPLATE_NOT_FOUND.*REVISION_NOT_FOUND/);
    expect(at('/api/v1/deployments/{id}', 'get').responses['404'].description).toMatch(
      /DEPLOYMENT_NOT_FOUND/,
    );
    expect(at('/api/v1/templates/{name}/apply', 'post').responses['409'].description).toMatch(
      /TEMPLATE_BUSY.*RESOURCE_NOT_OWNED/,
    );
    const created = at('/api/v1/templates', 'post').requestBody.content['application/json'];
    expect(created.schema.properties.name).toMatchObject({ maxLength: 64, pattern: expect.any(String) });
    const example = Object.values(created.examples as Record<string, { value: { name: string } }>)[0];
    expect(example.value.name).not.toBe('lab');
    expect(schema('ExpectationResultModel').properties.reachable.description).toMatch(/observed/);
    expect(schema('DeploymentModel').properties.revision.description).toMatch(/destroy/i);
  });

  it('lists 414 where the service gives it: a path segment too long, not a long query string', async () => {
    for (const [method, path, op] of operations)
      expect([method, path, '414' in op.responses]).toEqual([method, path, path.includes('{')]);
    const segment = await t.http.get(`/api/v1/networks/${'n'.repeat(5000)}`);
    expect([segment.status, segment.body.code]).toEqual([414, 'URI_TOO_LONG']);
    // A long query string (below the engine of HTTP's own header limit) is read and validated.
    const query = await t.http.get(`/api/v1/networks?name=${'n'.repeat(5000)}`);
    expect(query.status).not.toBe(414);
    const containers = await t.http.get(`/api/v1/containers?cursor=${'c'.repeat(5000)}`);
    expect([containers.status, containers.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('tells the Authorize dialog to take the key alone (Swagger UI adds Bearer), and names the security docs', () => {
    const bearer = doc.components.securitySchemes.bearer.description as string;
    expect(bearer).toMatch(/without `Bearer `/);
    expect(bearer).toMatch(/Swagger UI adds it/);
  });
});
