import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { auditRows, createKey, gqlCodes } from '../support/memory-app';
import { runPrefix } from '../support/names';

// The templates API on both transports, real engine and real SQLite: storage and revisions
// (create as JSON and YAML, get, list and pages, replace, revisions, diff, delete and a new life of
// the name), refusals (name taken, invalid documents, roles, scopes), compose import and export,
// the audit entries of every mutation, and plan/apply/status/destroy end to end (the runtime's own
// files test those in depth). Subnets of this file: 10.166.0.0/16 (REST), 10.167.0.0/16 (GraphQL), and
// 10.50.1.0/24 of the OpenAPI template example.

interface Template {
  name: string;
  revision: number;
  description: string | null;
  labels: Record<string, string>;
  document: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

describe('templates API', () => {
  const p = runPrefix('tplapi');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  // A template with one network and one container, all named inside this run's prefix.
  const doc = (name: string, subnet: string, extra: Record<string, unknown> = {}) => ({
    name: `${p}${name}`,
    description: `template ${name}`,
    labels: { team: 'a' },
    networks: { [`${p}${name}-net`]: { ipam: { config: [{ subnet }] } } },
    containers: {
      [`${p}${name}-web`]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { [`${p}${name}-net`]: {} },
      },
    },
    ...extra,
  });

  const create = (body: Record<string, unknown>) => t.http.post('/api/v1/templates').send(body);

  describe('storage and revisions over REST', () => {
    const name = `${p}store`;
    let first: Template;

    beforeAll(async () => {
      const res = await create(doc('store', '10.166.1.0/24'));
      expect([res.status, res.body.code]).toEqual([201, undefined]);
      first = res.body as Template;
    });

    it('creates revision 1 and answers the stored document', () => {
      expect(first).toMatchObject({
        name,
        revision: 1,
        description: 'template store',
        labels: { team: 'a' },
        document: { name, networks: { [`${name}-net`]: expect.any(Object) } },
      });
      expect(Date.parse(first.createdAt)).not.toBeNaN();
    });

    it('refuses a second template of the same name: 409 TEMPLATE_NAME_TAKEN', async () => {
      const res = await create(doc('store', '10.166.1.0/24'));
      expect([res.status, res.body.code]).toEqual([409, 'TEMPLATE_NAME_TAKEN']);
    });

    it('creates from YAML (application/yaml, text/yaml)', async () => {
      for (const [type, suffix] of [
        ['application/yaml', 'yaml1'],
        ['text/yaml', 'yaml2'],
      ]) {
        const yaml = [
          `name: ${p}${suffix}`,
          'description: from YAML',
          'containers:',
          `  ${p}${suffix}-box:`,
          `    image: ${TEST_IMAGE}`,
          '    command: [sleep, "3600"]',
          '    networkMode: none',
          '',
        ].join('\n');
        const res = await t.http.post('/api/v1/templates').set('content-type', type).send(yaml);
        expect([type, res.status, res.body.code]).toEqual([type, 201, undefined]);
        expect(res.body).toMatchObject({ name: `${p}${suffix}`, revision: 1, description: 'from YAML' });
      }
      // Elsewhere YAML is refused like any other body that is not JSON.
      const elsewhere = await t.http
        .post('/api/v1/networks')
        .set('content-type', 'application/yaml')
        .send(`name: ${p}nope`);
      expect([elsewhere.status, elsewhere.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    });

    it('gets, replaces (revision 2, name from the path), lists revisions newest first, diffs', async () => {
      const got = await t.http.get(`/api/v1/templates/${name}`).expect(200);
      expect(got.body).toEqual(first);

      const { name: _omitted, ...body } = doc('store', '10.166.1.0/24', { description: 'second' });
      void _omitted;
      const replaced = await t.http.put(`/api/v1/templates/${name}`).send(body);
      expect([replaced.status, replaced.body.code]).toEqual([200, undefined]);
      expect(replaced.body).toMatchObject({ name, revision: 2, description: 'second', document: { name } });

      const revisions = await t.http.get(`/api/v1/templates/${name}/revisions`).expect(200);
      expect(revisions.body.items.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
      expect(revisions.body.items[0].actor).toEqual(expect.any(String));
      expect(revisions.body.nextCursor).toBeNull();

      const paged = await t.http.get(`/api/v1/templates/${name}/revisions?limit=1`).expect(200);
      expect(paged.body.items.map((r: { revision: number }) => r.revision)).toEqual([2]);
      const next = await t.http
        .get(`/api/v1/templates/${name}/revisions?cursor=${paged.body.nextCursor}`)
        .expect(200);
      expect(next.body.items.map((r: { revision: number }) => r.revision)).toEqual([1]);

      const diff = await t.http.get(`/api/v1/templates/${name}/diff?from=1&to=2`).expect(200);
      expect(diff.body).toMatchObject({ template: name, from: 1, to: 2 });
      expect(diff.body.changes).toContainEqual({
        path: '$.description',
        from: 'template store',
        to: 'second',
      });

      const old = await t.http.get(`/api/v1/templates/${name}?revision=1`).expect(200);
      expect(old.body).toMatchObject({ revision: 1, description: 'template store' });
      const missing = await t.http.get(`/api/v1/templates/${name}?revision=9`);
      expect([missing.status, missing.body.code]).toEqual([404, 'REVISION_NOT_FOUND']);
    });

    it('refuses a body whose name is not the path', async () => {
      const res = await t.http.put(`/api/v1/templates/${name}`).send(doc('other', '10.166.2.0/24'));
      expect([res.status, res.body.code]).toEqual([400, 'TEMPLATE_INVALID']);
    });

    it('lists by name, a page at a time, with a signed cursor', async () => {
      const all = await t.http.get('/api/v1/templates').expect(200);
      const names = all.body.items.map((i: Template) => i.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining([name, `${p}yaml1`, `${p}yaml2`]));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Template[]; nextCursor: string | null } } = await t.http
          .get(cursor ? `/api/v1/templates?cursor=${cursor}` : '/api/v1/templates?limit=2')
          .expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((i: Template) => i.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(names);
      const edited = await t.http.get('/api/v1/templates?cursor=abc.defghijklmnopqrstuvwxyz');
      expect([edited.status, edited.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const undeclared = await t.http.get('/api/v1/templates?colour=red');
      expect(undeclared.status).toBe(400);
    });

    it('deletes (then 404), and a new template of the name continues the revision numbers', async () => {
      const tmp = `${p}again`;
      await create(doc('again', '10.166.3.0/24')).expect(201);
      await t.http.put(`/api/v1/templates/${tmp}`).send(doc('again', '10.166.3.0/24')).expect(200);
      await t.http.delete(`/api/v1/templates/${tmp}`).expect(204);
      for (const path of ['', '/revisions', '/diff?from=1&to=2', '/export']) {
        const res = await t.http.get(`/api/v1/templates/${tmp}${path}`);
        expect([path, res.status, res.body.code]).toEqual([path, 404, 'TEMPLATE_NOT_FOUND']);
      }
      const again = await create(doc('again', '10.166.3.0/24')).expect(201);
      expect(again.body.revision).toBe(3);
      const old = await t.http.get(`/api/v1/templates/${tmp}?revision=1`);
      expect([old.status, old.body.code]).toEqual([404, 'REVISION_NOT_FOUND']);
      const revisions = await t.http.get(`/api/v1/templates/${tmp}/revisions`).expect(200);
      expect(revisions.body.items.map((r: { revision: number }) => r.revision)).toEqual([3]);
    });

    it('lists every problem of an invalid document with its path: 400 TEMPLATE_INVALID', async () => {
      const res = await create({
        name: `${p}bad`,
        colour: 'red',
        containers: { [`${p}bad-web`]: { image: TEST_IMAGE, networks: { missing: {} } } },
        expectations: [{ from: `${p}bad-web`, to: 'nobody', reachable: true }],
      });
      expect([res.status, res.body.code]).toEqual([400, 'TEMPLATE_INVALID']);
      const paths = (res.body.context.problems as Array<{ path: string }>).map((x) => x.path);
      expect(paths.length).toBeGreaterThanOrEqual(3);
      expect(paths).toEqual(
        expect.arrayContaining(['$.colour', `$.containers.${p}bad-web.networks.missing`]),
      );
      expect(res.body.errors.length).toBe(paths.length);
      const stored = await t.http.get(`/api/v1/templates/${p}bad`);
      expect(stored.status).toBe(404);
    });
  });

  describe('roles and scopes', () => {
    it('a viewer reads but cannot write', async () => {
      const viewer = t.as(await createKey(t, `${p}viewer`, 'viewer'));
      await viewer.get('/api/v1/templates').expect(200);
      const refused = await viewer.post('/api/v1/templates').send(doc('viewer', '10.166.4.0/24'));
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    });

    it("a scoped key sees only its scope's templates; others are 404 TEMPLATE_NOT_FOUND everywhere", async () => {
      const other = `${p}teamb`;
      await create({ ...doc('teamb', '10.166.5.0/24'), labels: { team: `${p}b` } }).expect(201);
      const scoped = t.as(await createKey(t, `${p}scoped`, 'operator', { team: `${p}a` }));

      const mine = await scoped.post('/api/v1/templates').send({
        ...doc('teama', '10.166.6.0/24'),
        labels: {},
      });
      expect([mine.status, mine.body.code]).toEqual([201, undefined]);
      // The key's scope is merged into the stored labels.
      expect(mine.body.labels).toMatchObject({ team: `${p}a` });

      const listed = await scoped.get('/api/v1/templates').expect(200);
      expect(listed.body.items.map((i: Template) => i.name)).toEqual([`${p}teama`]);
      for (const [method, path] of [
        ['get', ''],
        ['get', '/revisions'],
        ['get', '/status'],
        ['get', '/export'],
        ['post', '/plan'],
        ['post', '/apply'],
        ['post', '/destroy'],
        ['delete', ''],
      ] as const) {
        const res = await scoped[method](`/api/v1/templates/${other}${path}`);
        expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'TEMPLATE_NOT_FOUND']);
      }
      const replaced = await scoped.put(`/api/v1/templates/${other}`).send(doc('teamb', '10.166.5.0/24'));
      expect([replaced.status, replaced.body.code]).toEqual([404, 'TEMPLATE_NOT_FOUND']);
      // Still there for the admin.
      await t.http.get(`/api/v1/templates/${other}`).expect(200);
    });
  });

  describe('compose import and export', () => {
    it('imports a compose file, listing what it could not map, and exports a revision as compose', async () => {
      const name = `${p}compose`;
      const compose = [
        'services:',
        `  ${p}cweb:`,
        `    image: ${TEST_IMAGE}`,
        '    command: ["sleep", "3600"]',
        '    ports: ["8080:80"]',
        '    networks:',
        `      ${p}cnet:`,
        '        ipv4_address: 10.166.7.10',
        'networks:',
        `  ${p}cnet:`,
        '    ipam:',
        '      config:',
        '        - subnet: 10.166.7.0/24',
        '',
      ].join('\n');
      const res = await t.http
        .post(`/api/v1/templates/import?name=${name}`)
        .set('content-type', 'application/yaml')
        .send(compose);
      expect([res.status, res.body.code]).toEqual([201, undefined]);
      expect(res.body.template).toMatchObject({ name, revision: 1 });
      expect(res.body.unmapped.map((u: { path: string }) => u.path)).toContain(`$.services.${p}cweb.ports`);

      const exported = await t.http.get(`/api/v1/templates/${name}/export?format=compose`).expect(200);
      expect(exported.headers['content-type']).toMatch(/^application\/yaml/);
      expect(exported.text).toContain(`${p}cweb`);
      expect(exported.text).toContain('10.166.7.10');
      const wrong = await t.http.get(`/api/v1/templates/${name}/export?format=helm`);
      expect([wrong.status, wrong.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const unnamed = await t.http
        .post('/api/v1/templates/import')
        .set('content-type', 'application/yaml')
        .send(compose);
      expect(unnamed.status).toBe(400);
    });
  });

  describe('plan, apply, status, deployments and destroy over REST', () => {
    const name = `${p}run`;
    const net = `${name}-net`;
    const web = `${name}-web`;

    beforeAll(async () => {
      await create(doc('run', '10.166.8.0/24')).expect(201);
    });

    it('plans creates, applies (the engine has them), is in sync, destroys (gone)', async () => {
      const plan = await t.http.post(`/api/v1/templates/${name}/plan`).expect(200);
      expect(plan.body).toMatchObject({ template: name, revision: 1, conflicts: [] });
      for (const action of plan.body.actions)
        expect(Object.keys(action).sort()).toEqual(['action', 'changes', 'kind', 'name', 'reason']);
      expect(plan.body.actions.map((a: { action: string; name: string }) => `${a.action} ${a.name}`)).toEqual(
        expect.arrayContaining([`create ${net}`, `create ${web}`]),
      );
      // An empty body with a JSON content type is the defaults.
      const applied = await t.http
        .post(`/api/v1/templates/${name}/apply`)
        .set('content-type', 'application/json')
        .send('');
      expect([applied.status, applied.body.status]).toEqual([200, 'succeeded']);
      expect((await docker.getContainer(web).inspect()).State.Running).toBe(true);
      expect((await docker.getNetwork(net).inspect()).IPAM?.Config?.[0]?.Subnet).toBe('10.166.8.0/24');

      const status = await t.http.get(`/api/v1/templates/${name}/status`).expect(200);
      expect(status.body).toMatchObject({
        template: name,
        deployed: true,
        revision: 1,
        inSync: true,
        drift: [],
      });

      const deployment = await t.http.get(`/api/v1/deployments/${applied.body.id}`).expect(200);
      expect(deployment.body).toMatchObject({ id: applied.body.id, template: name, kind: 'apply' });
      const missing = await t.http.get('/api/v1/deployments/no-such-deployment');
      expect([missing.status, missing.body.code]).toEqual([404, 'DEPLOYMENT_NOT_FOUND']);

      // Applied: the plan is all unchanged, and an apply not waited for answers 202 with it running.
      const again = await t.http.post(`/api/v1/templates/${name}/plan`).send({ revision: 1 }).expect(200);
      expect(again.body.actions.map((a: { action: string }) => a.action)).toEqual(['unchanged', 'unchanged']);
      const started = await t.http.post(`/api/v1/templates/${name}/apply`).send({ wait: false });
      expect([started.status, started.body.status]).toEqual([202, 'running']);
      let finished = started.body as { status: string };
      for (let i = 0; i < 100 && finished.status === 'running'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = (await t.http.get(`/api/v1/deployments/${started.body.id}`).expect(200)).body;
      }
      expect(finished.status).toBe('succeeded');

      // Deleted: what it deployed stays until destroyed, and destroy still works.
      await t.http.delete(`/api/v1/templates/${name}`).expect(204);
      expect((await docker.getContainer(web).inspect()).State.Running).toBe(true);
      const destroyed = await t.http.post(`/api/v1/templates/${name}/destroy`).send({ wait: true });
      expect([destroyed.status, destroyed.body.kind, destroyed.body.status]).toEqual([
        200,
        'destroy',
        'succeeded',
      ]);
      await expect(docker.getContainer(web).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(docker.getNetwork(net).inspect()).rejects.toMatchObject({ statusCode: 404 });

      const deployments = await t.http.get(`/api/v1/templates/${name}/deployments`).expect(200);
      expect(deployments.body.items.map((d: { kind: string }) => d.kind)).toEqual([
        'destroy',
        'apply',
        'apply',
      ]);
    });

    it('refuses a query string on a body-taking action, and unknown body fields', async () => {
      const query = await t.http.post(`/api/v1/templates/${name}/plan?revision=1`).send({});
      expect(query.status).toBe(400);
      const field = await t.http.post(`/api/v1/templates/${name}/apply`).send({ colour: 'red' });
      expect([field.status, field.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });
  });

  describe("Swagger UI's template examples", () => {
    // Sent in order as documented (only the names made unique to this run; the subnet, 10.50.1.0/24,
    // as documented: no other test file uses it).
    it('create, replace, plan, apply and destroy as pre-filled', async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, read by path
      const doc: Record<string, any> = (await t.anon.get('/api/openapi.json').expect(200)).body;
      const examples = (path: string, method: 'post' | 'put') =>
        Object.values(
          doc.paths[path][method].requestBody.content['application/json'].examples as Record<
            string,
            { value: unknown }
          >,
        ).map(
          (e) =>
            JSON.parse(
              JSON.stringify(e.value).replace(
                /"swagger-(lab(?:-net|-web|-db)?)"/g,
                (_, n: string) => `"${p}ex${n}"`,
              ),
            ) as Record<string, unknown>,
        );
      const name = `${p}exlab`;
      const [created] = examples('/api/v1/templates', 'post');
      const res = await create(created);
      expect([res.status, res.body.code]).toEqual([201, undefined]);
      const [replacement] = examples('/api/v1/templates/{name}', 'put');
      const replaced = await t.http.put(`/api/v1/templates/${name}`).send(replacement);
      expect([replaced.status, replaced.body.revision]).toEqual([200, 2]);
      for (const body of examples('/api/v1/templates/{name}/plan', 'post')) {
        const plan = await t.http.post(`/api/v1/templates/${name}/plan`).send(body);
        expect([plan.status, plan.body.code]).toEqual([200, undefined]);
      }
      const [apply] = examples('/api/v1/templates/{name}/apply', 'post');
      const applied = await t.http.post(`/api/v1/templates/${name}/apply`).send(apply);
      expect([applied.status, applied.body.status]).toEqual([200, 'succeeded']);
      expect(applied.body.expectations).toEqual([expect.objectContaining({ passed: true })]);
      const [destroy] = examples('/api/v1/templates/{name}/destroy', 'post');
      const destroyed = await t.http.post(`/api/v1/templates/${name}/destroy`).send(destroy);
      expect([destroyed.status, destroyed.body.status]).toEqual([200, 'succeeded']);
      await expect(docker.getNetwork(`${p}exlab-net`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  describe('the audit log', () => {
    it('records intent then outcome for every template mutation, with the template as target', () => {
      const rows = auditRows(t, "action LIKE 'template.%'");
      const outcomes = (action: string) =>
        rows.filter((r) => r.action === action && r.phase === 'outcome' && r.outcome === 'succeeded');
      for (const action of [
        'template.create',
        'template.replace',
        'template.delete',
        'template.import',
        'template.apply',
        'template.destroy',
      ]) {
        const done = outcomes(action);
        expect([action, done.length > 0]).toEqual([action, true]);
        for (const outcome of done) {
          const intent = rows.find((r) => r.operation_id === outcome.operation_id && r.phase === 'intent');
          expect([action, intent !== undefined, intent && intent.id < outcome.id]).toEqual([
            action,
            true,
            true,
          ]);
          expect(outcome.target_kind).toBe('template');
          expect(outcome.target_name).toEqual(expect.stringContaining(p));
        }
      }
      const applied = outcomes('template.apply').find((r) => r.target_name === `${p}run`);
      expect(applied).toBeDefined();
    });
  });

  describe('GraphQL', () => {
    const name = `${p}gql`;
    const net = `${name}-net`;
    const web = `${name}-web`;
    const TEMPLATE = 'name revision description labels document createdAt updatedAt';
    const DEPLOYMENT =
      'id template revision kind status actions { action kind name status } actor error { code }';

    const gql = async (query: string, variables: Record<string, unknown> = {}, key?: string) => {
      const res = await t.gql(query, variables, key).expect(200);
      return res;
    };

    it('creates, reads, lists, replaces, diffs, plans, applies, checks, destroys and deletes', async () => {
      const created = await gql(`mutation($d: JSON!) { createTemplate(document: $d) { ${TEMPLATE} } }`, {
        d: doc('gql', '10.167.1.0/24'),
      });
      expect([gqlCodes(created), created.body.errors]).toEqual([[], undefined]);
      expect(created.body.data.createTemplate).toMatchObject({ name, revision: 1, labels: { team: 'a' } });

      const taken = await gql(`mutation($d: JSON!) { createTemplate(document: $d) { name } }`, {
        d: doc('gql', '10.167.1.0/24'),
      });
      expect(gqlCodes(taken)).toEqual(['TEMPLATE_NAME_TAKEN']);

      const replaced = await gql(
        `mutation($n: String!, $d: JSON!) { replaceTemplate(name: $n, document: $d) { revision description } }`,
        { n: name, d: { ...doc('gql', '10.167.1.0/24'), description: 'second' } },
      );
      expect(replaced.body.data.replaceTemplate).toEqual({ revision: 2, description: 'second' });

      const read = await gql(
        `query($n: String!) {
          template(name: $n, revision: 1) { revision description }
          templates(limit: 100) { items { name } nextCursor }
          templateRevisions(name: $n) { items { revision actor } nextCursor }
          templateDiff(name: $n, from: 1, to: 2) { template from to changes { path from to } }
          planTemplate(name: $n) { template revision actions { action kind name reason changes { path } } conflicts { name } }
        }`,
        { n: name },
      );
      expect(gqlCodes(read)).toEqual([]);
      const data = read.body.data;
      expect(data.template).toEqual({ revision: 1, description: 'template gql' });
      expect(data.templates.items.map((i: { name: string }) => i.name)).toContain(name);
      expect(data.templateRevisions.items.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
      expect(data.templateDiff.changes).toContainEqual({
        path: '$.description',
        from: 'template gql',
        to: 'second',
      });
      expect(data.planTemplate.actions.map((a: { action: string }) => a.action)).toEqual([
        'create',
        'create',
      ]);

      const applied = await gql(`mutation($n: String!) { applyTemplate(name: $n) { ${DEPLOYMENT} } }`, {
        n: name,
      });
      expect(gqlCodes(applied)).toEqual([]);
      expect(applied.body.data.applyTemplate).toMatchObject({
        template: name,
        kind: 'apply',
        status: 'succeeded',
      });
      expect((await docker.getContainer(web).inspect()).State.Running).toBe(true);

      const checked = await gql(
        `query($n: String!, $id: String!) {
          templateStatus(name: $n) { template deployed revision inSync drift { kind name reason } }
          deployments(template: $n) { items { id kind status } nextCursor }
          deployment(id: $id) { id status expectations { from to passed } }
          exportCompose(name: $n)
        }`,
        { n: name, id: applied.body.data.applyTemplate.id },
      );
      expect(gqlCodes(checked)).toEqual([]);
      expect(checked.body.data.templateStatus).toMatchObject({ inSync: true, revision: 2, drift: [] });
      expect(checked.body.data.deployments.items).toHaveLength(1);
      expect(checked.body.data.deployment.status).toBe('succeeded');
      expect(checked.body.data.exportCompose).toContain(web);

      const destroyed = await gql(`mutation($n: String!) { destroyTemplate(name: $n) { kind status } }`, {
        n: name,
      });
      expect(destroyed.body.data.destroyTemplate).toEqual({ kind: 'destroy', status: 'succeeded' });
      await expect(docker.getNetwork(net).inspect()).rejects.toMatchObject({ statusCode: 404 });

      const deleted = await gql(`mutation($n: String!) { deleteTemplate(name: $n) }`, { n: name });
      expect(deleted.body.data.deleteTemplate).toBe(true);
      const gone = await gql(`query($n: String!) { template(name: $n) { name } }`, { n: name });
      expect(gqlCodes(gone)).toEqual(['TEMPLATE_NOT_FOUND']);
    });

    it('imports compose, and a viewer cannot mutate', async () => {
      const compose = `services:\n  ${p}gbox:\n    image: ${TEST_IMAGE}\n    network_mode: none\n    stop_grace_period: 1s\n`;
      const imported = await gql(
        `mutation($n: String!, $c: String!) { importCompose(name: $n, compose: $c) { template { name revision } unmapped { path reason } } }`,
        { n: `${p}gimport`, c: compose },
      );
      expect(gqlCodes(imported)).toEqual([]);
      expect(imported.body.data.importCompose.template).toEqual({ name: `${p}gimport`, revision: 1 });
      expect(imported.body.data.importCompose.unmapped.map((u: { path: string }) => u.path)).toContain(
        `$.services.${p}gbox.stop_grace_period`,
      );

      const viewer = await createKey(t, `${p}gviewer`, 'viewer');
      const refused = await gql(
        `mutation($n: String!) { deleteTemplate(name: $n) }`,
        { n: `${p}gimport` },
        viewer,
      );
      expect(gqlCodes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.body.data?.deleteTemplate ?? null).toBeNull();
    });
  });
});
