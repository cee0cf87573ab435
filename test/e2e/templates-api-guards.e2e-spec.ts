import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { createKey, gqlCodes } from '../support/memory-app';
import { runPrefix } from '../support/names';

// The templates API's guards, real engine and real SQLite, on both transports: a deleted
// template's name is not taken over by a key that cannot reach what it left deployed; viewer keys
// read templates without the containers' environment values; revision arguments are checked the
// same way on REST and GraphQL (never rounded); 415 hints name what a route takes; GraphQL
// messages point at GraphQL operations. Subnets of this file: 10.188.0.0/16.

const REDACTED = '[redacted]';

describe('templates API guards', () => {
  const p = runPrefix('tplguard');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const doc = (name: string, subnet: string, env: Record<string, string> = {}) => ({
    name: `${p}${name}`,
    networks: { [`${p}${name}-net`]: { ipam: { config: [{ subnet }] } } },
    containers: {
      [`${p}${name}-web`]: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        env,
        networks: { [`${p}${name}-net`]: {} },
      },
    },
  });

  describe("a deleted template's name while its resources are deployed", () => {
    it('is refused to a key that cannot reach them, naming nothing of theirs; allowed once destroyed', async () => {
      const name = `${p}reuse`;
      const keyA = t.as(await createKey(t, `${p}a`, 'operator', { rtteam: `${p}a` }));
      const keyB = await createKey(t, `${p}b`, 'operator', { rtteam: `${p}b` });
      const b = t.as(keyB);
      await keyA.post('/api/v1/templates').send(doc('reuse', '10.188.1.0/24')).expect(201);
      const applied = await keyA.post(`/api/v1/templates/${name}/apply`).send({});
      expect([applied.status, applied.body.status]).toEqual([200, 'succeeded']);
      await keyA.delete(`/api/v1/templates/${name}`).expect(204);

      const refused = await b.post('/api/v1/templates').send(doc('reuse', '10.188.2.0/24'));
      expect([refused.status, refused.body.code]).toEqual([409, 'TEMPLATE_NAME_TAKEN']);
      expect(refused.body.detail).toMatch(/deleted template .* still has resources deployed/);
      expect(refused.body.detail).toMatch(/destroyed first/);
      expect(refused.body.detail).not.toContain(`${p}a`);
      expect(refused.body.detail).not.toContain('-web');
      const viaGql = await t.gql(
        'mutation($d: JSON!) { createTemplate(document: $d) { name } }',
        { d: doc('reuse', '10.188.2.0/24') },
        keyB,
      );
      expect(gqlCodes(viaGql)).toEqual(['TEMPLATE_NAME_TAKEN']);
      expect(viaGql.body.errors[0].message).toContain('destroyTemplate');
      expect(viaGql.body.errors[0].message).not.toContain('/api/v1');

      // A key that reaches them may take the name (it continues the revisions).
      const again = await keyA.post('/api/v1/templates').send(doc('reuse', '10.188.1.0/24'));
      expect([again.status, again.body.revision]).toEqual([201, 2]);
      await keyA.delete(`/api/v1/templates/${name}`).expect(204);
      // Destroyed: nothing left, anyone may take it.
      const destroyed = await keyA.post(`/api/v1/templates/${name}/destroy`).send({});
      expect(destroyed.body.status).toBe('succeeded');
      const left = await docker.listContainers({ all: true, filters: { name: [`${name}-web`] } });
      expect(left).toEqual([]);
      await b.post('/api/v1/templates').send(doc('reuse', '10.188.2.0/24')).expect(201);
    });
  });

  describe('viewer keys and container environment', () => {
    const name = `${p}env`;
    const web = `${name}-web`;
    let viewerKey: string;
    let operatorKey: string;

    beforeAll(async () => {
      viewerKey = await createKey(t, `${p}viewer`, 'viewer');
      operatorKey = await createKey(t, `${p}operator`, 'operator');
      await t.http
        .post('/api/v1/templates')
        .send(doc('env', '10.188.3.0/24', { SECRET: 's3cret-one', PLAIN: 'x' }))
        .expect(201);
      const { name: _n, ...body } = doc('env', '10.188.3.0/24', { SECRET: 's3cret-two', PLAIN: 'x' });
      void _n;
      await t.http.put(`/api/v1/templates/${name}`).send(body).expect(200);
    });

    it('REST: the document, export, diff and plan show names but never values to a viewer', async () => {
      const viewer = t.as(viewerKey);
      const got = await viewer.get(`/api/v1/templates/${name}?revision=1`).expect(200);
      expect(got.body.document.containers[web].env).toEqual({ SECRET: REDACTED, PLAIN: REDACTED });
      const listed = await viewer.get('/api/v1/templates').expect(200);
      expect(JSON.stringify(listed.body)).not.toContain('s3cret');
      const exported = await viewer.get(`/api/v1/templates/${name}/export`).expect(200);
      expect(exported.text).not.toContain('s3cret');
      expect(exported.text).toContain(REDACTED);
      const diff = await viewer.get(`/api/v1/templates/${name}/diff?from=1&to=2`).expect(200);
      expect(diff.body.changes).toEqual([
        { path: `$.containers.${web}.env.SECRET`, from: REDACTED, to: REDACTED },
      ]);
      const plan = await viewer.post(`/api/v1/templates/${name}/plan`).send({}).expect(200);
      expect(JSON.stringify(plan.body)).not.toContain('s3cret');

      // An operator sees them.
      const operator = t.as(operatorKey);
      const full = await operator.get(`/api/v1/templates/${name}`).expect(200);
      expect(full.body.document.containers[web].env.SECRET).toBe('s3cret-two');
      const fullDiff = await operator.get(`/api/v1/templates/${name}/diff?from=1&to=2`).expect(200);
      expect(fullDiff.body.changes[0]).toMatchObject({ from: 's3cret-one', to: 's3cret-two' });
      expect((await operator.get(`/api/v1/templates/${name}/export`)).text).toContain('s3cret-two');
    });

    it('GraphQL: the same for a viewer', async () => {
      const res = await t.gql(
        `query($n: String!) {
          template(name: $n) { document }
          templates { items { document } }
          templateDiff(name: $n, from: 1, to: 2) { changes { path from to } }
          exportCompose(name: $n)
          planTemplate(name: $n) { actions { changes { path from to } } }
        }`,
        { n: name },
        viewerKey,
      );
      expect(gqlCodes(res)).toEqual([]);
      expect(JSON.stringify(res.body.data)).not.toContain('s3cret');
      expect(res.body.data.template.document.containers[web].env.SECRET).toBe(REDACTED);
      expect(res.body.data.templateDiff.changes).toEqual([
        { path: `$.containers.${web}.env.SECRET`, from: REDACTED, to: REDACTED },
      ]);
      const operator = await t.gql(
        'query($n: String!) { template(name: $n) { document } }',
        { n: name },
        operatorKey,
      );
      expect(operator.body.data.template.document.containers[web].env.SECRET).toBe('s3cret-two');
    });
  });

  describe('revision arguments', () => {
    const name = `${p}rev`;

    beforeAll(async () => {
      await t.http.post('/api/v1/templates').send(doc('rev', '10.188.4.0/24')).expect(201);
    });

    it('REST: 0, -1, past 2^31-1, signs and spaces are 400 VALIDATION_FAILED, never rounded', async () => {
      for (const value of ['0', '-1', '2147483648', '100000000000000000000', '%202', '+2', '1.0', '2e0']) {
        for (const path of [`?revision=${value}`, `/export?revision=${value}`, `/diff?from=${value}&to=1`]) {
          const res = await t.http.get(`/api/v1/templates/${name}${path}`);
          expect([path, res.status, res.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
          expect(res.body.detail).not.toMatch(/no revision 1e|100000000000000000000/);
        }
      }
      for (const revision of [0, -1, 2 ** 31, 1e20]) {
        const res = await t.http.post(`/api/v1/templates/${name}/plan`).send({ revision });
        expect([revision, res.status, res.body.code]).toEqual([revision, 400, 'VALIDATION_FAILED']);
      }
      const missing = await t.http.get(`/api/v1/templates/${name}?revision=2`);
      expect([missing.status, missing.body.code]).toEqual([404, 'REVISION_NOT_FOUND']);
      expect(missing.body.detail).toBe(`Template "${name}" has no revision 2: its only revision is 1.`);
    });

    it('GraphQL: 0 and -1 are VALIDATION_FAILED; past Int is refused', async () => {
      for (const revision of [0, -1]) {
        for (const query of [
          'query($n: String!, $r: Int) { template(name: $n, revision: $r) { name } }',
          'query($n: String!, $r: Int) { planTemplate(name: $n, revision: $r) { revision } }',
          'query($n: String!, $r: Int) { exportCompose(name: $n, revision: $r) }',
          'query($n: String!, $r: Int!) { templateDiff(name: $n, from: $r, to: 1) { from } }',
        ]) {
          const res = await t.gql(query, { n: name, r: revision });
          expect([query, revision, gqlCodes(res)]).toEqual([query, revision, ['VALIDATION_FAILED']]);
        }
      }
      const big = await t.gql('query($n: String!) { template(name: $n, revision: 2147483648) { name } }', {
        n: name,
      });
      // GraphQL itself refuses an Int past 2^31-1 (before any resolver): never a rounded revision.
      expect(gqlCodes(big)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(big.body.errors[0].message).not.toMatch(/no revision/);
      const missing = await t.gql('query($n: String!) { template(name: $n, revision: 2) { name } }', {
        n: name,
      });
      expect(gqlCodes(missing)).toEqual(['REVISION_NOT_FOUND']);
      expect(missing.body.errors[0].message).not.toContain('(revision)');
    });
  });

  describe('wording per transport and media type', () => {
    it('GraphQL not-found and name-taken messages name GraphQL operations, not REST routes', async () => {
      const res = await t.gql('query { template(name: "nope-nothing-here") { name } }');
      expect(gqlCodes(res)).toEqual(['TEMPLATE_NOT_FOUND']);
      expect(res.body.errors[0].message).toContain('`templates` query');
      expect(res.body.errors[0].message).not.toContain('/api/v1');
      const rest = await t.http.get('/api/v1/templates/nope-nothing-here');
      expect(rest.body.detail).toContain('GET /api/v1/templates');
    });

    it('415: template routes say JSON or YAML; JSON-only routes do not offer YAML', async () => {
      const create = await t.http.post('/api/v1/templates').set('content-type', 'text/plain').send('name: x');
      expect([create.status, create.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(create.body.detail).toMatch(/JSON .*YAML \(Content-Type: application\/yaml\)/);
      for (const [path, type] of [
        ['/api/v1/networks', 'application/yaml'],
        ['/api/v1/networks', 'text/plain'],
        [`/api/v1/templates/${p}rev/plan`, 'application/yaml'],
      ]) {
        const res = await t.http.post(path).set('content-type', type).send('name: x');
        expect([path, type, res.status, res.body.code]).toEqual([path, type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
        expect(res.body.detail).not.toMatch(/yaml/i);
      }
    });
  });
});
