import type { TemplateDocument } from '../../src/templates/template.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker } from '../support/engine';
import { runPrefix } from '../support/names';
import {
  auditAbout,
  cleanupTemplates,
  containerName,
  expectStatus,
  ownedBy,
  templatesApi,
  type DeploymentBody,
} from '../support/templates';

// Issue #11, "keys with a label scope can only use templates whose resources fall inside their
// scope", and the container policy and roles applied to templates, on the real engine.
// Subnets of this file: 10.184.0.0/16.
describe('templates: scope, role and policy refusals', () => {
  const p = runPrefix('tplscope');
  const teamA = `a-${p}`;
  const teamB = `b-${p}`;
  let t: TestApp;
  const keys: Record<'a' | 'b' | 'viewer' | 'operator', string> = { a: '', b: '', viewer: '', operator: '' };
  const api = (who: keyof typeof keys) => templatesApi(t.as(keys[who]));

  const aName = `${p}a-tpl`;
  const bName = `${p}b-tpl`;
  const aNet = `${p}a-net`;
  const aBox = `${p}a-box`;
  const bNet = `${p}b-net`;

  const createKey = async (name: string, role: string, scope?: Record<string, string>) =>
    expectStatus(
      await t.http.post('/api/v1/api-keys').send({ name: `${p}${name}`, role, ...(scope ? { scope } : {}) }),
      201,
    ).body.key as string;

  beforeAll(async () => {
    t = await startApp();
    keys.a = await createKey('a', 'operator', { team: teamA });
    keys.b = await createKey('b', 'operator', { team: teamB });
    keys.viewer = await createKey('viewer', 'viewer');
    keys.operator = await createKey('operator', 'operator');
    expectStatus(
      await api('b').create({
        name: bName,
        labels: { [TEST_LABEL]: p },
        networks: { [bNet]: { ipam: { config: [{ subnet: '10.184.2.0/24' }] } } },
      }),
      201,
    );
    expect(expectStatus(await api('b').apply(bName), 200).body.status).toBe('succeeded');
  });
  afterAll(async () => {
    await cleanupTemplates(p);
    await t?.close();
  });

  describe('a key scoped to team a', () => {
    it("cannot see, plan, apply or destroy team b's template: 404 TEMPLATE_NOT_FOUND, like a missing one", async () => {
      const a = api('a');
      const missing = expectStatus(await a.get(`${p}no-such-template`), 404).body;
      const answers = await Promise.all([
        a.get(bName),
        a.plan(bName),
        a.apply(bName),
        a.status(bName),
        a.destroy(bName),
        a.revisions(bName),
        a.deployments(bName),
        a.replace(bName, { labels: { [TEST_LABEL]: p } }),
        a.remove(bName),
      ]);
      for (const res of answers) {
        expect({ status: res.status, code: res.body.code }).toEqual({
          status: 404,
          code: 'TEMPLATE_NOT_FOUND',
        });
        expect(res.body.detail).toBe(missing.detail.replace(`${p}no-such-template`, bName));
      }
      const listed = expectStatus(await a.list({ limit: 100 }), 200).body;
      expect(listed.items.map((x: { name: string }) => x.name)).not.toContain(bName);
      // Team b's network is still there, untouched.
      expect((await ownedBy(bName)).networks.map((n) => n.Name)).toEqual([bNet]);
    });

    it('cannot create a template whose labels leave its scope or set team b: 400 TEMPLATE_INVALID with the paths', async () => {
      const res = expectStatus(
        await api('a').create({
          name: `${p}a-escape`,
          labels: { team: teamB },
          networks: { [`${p}a-escape-net`]: { labels: { team: teamB } } },
          containers: {
            [`${p}a-escape-box`]: {
              image: TEST_IMAGE,
              command: ['sleep', '3600'],
              labels: { team: teamB },
              networks: { [`${p}a-escape-net`]: {} },
            },
          },
        }),
        400,
      ).body;
      expect(res.code).toBe('TEMPLATE_INVALID');
      const paths = res.context.problems.map((x: { path: string }) => x.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '$.labels.team',
          `$.networks.${p}a-escape-net.labels.team`,
          `$.containers.${p}a-escape-box.labels.team`,
        ]),
      );
      expect(expectStatus(await t.http.get(`/api/v1/templates/${p}a-escape`), 404).body.code).toBe(
        'TEMPLATE_NOT_FOUND',
      );
    });

    it("its own template gets its scope: stored in the labels, on every resource it deploys, applied by the key's name", async () => {
      const document: TemplateDocument = {
        name: aName,
        labels: { [TEST_LABEL]: p },
        networks: { [aNet]: { ipam: { config: [{ subnet: '10.184.1.0/24' }] } } },
        containers: { [aBox]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [aNet]: {} } } },
      };
      const created = expectStatus(await api('a').create(document), 201).body;
      expect(created.labels).toEqual({ [TEST_LABEL]: p, team: teamA });
      expect(created.document.labels).toEqual({ [TEST_LABEL]: p, team: teamA });

      const deployment = expectStatus(await api('a').apply(aName), 200).body as DeploymentBody;
      expect(deployment).toMatchObject({ status: 'succeeded', actor: `${p}a` });
      const owned = await ownedBy(aName);
      expect(owned.networks.map((n) => [n.Name, n.Labels?.team])).toEqual([[aNet, teamA]]);
      expect(owned.containers.map((c) => [containerName(c), c.Labels.team])).toEqual([[aBox, teamA]]);
      // Team b sees none of it.
      expect(expectStatus(await api('b').get(aName), 404).body.code).toBe('TEMPLATE_NOT_FOUND');
      expect(expectStatus(await t.as(keys.b).get(`/api/v1/containers/${aBox}`), 404).body.code).toBe(
        'CONTAINER_NOT_FOUND',
      );

      const audit = auditAbout(t.databasePath, 'template.apply', aName);
      expect(audit.map((e) => [e.phase, e.outcome, e.actor])).toEqual([
        ['intent', null, `${p}a`],
        ['outcome', 'succeeded', `${p}a`],
      ]);
    });
  });

  it('a viewer may read and plan, never apply, destroy or create: 403 FORBIDDEN', async () => {
    const viewer = api('viewer');
    expectStatus(await viewer.get(bName), 200);
    expectStatus(await viewer.plan(bName), 200);
    expectStatus(await viewer.status(bName), 200);
    for (const res of await Promise.all([
      viewer.apply(bName),
      viewer.destroy(bName),
      viewer.create({ name: `${p}viewer-tpl` }),
      viewer.remove(bName),
    ])) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    expect((await ownedBy(bName)).networks).toHaveLength(1);
    const denied = auditAbout(t.databasePath, 'template.apply', bName).filter(
      (e) => e.actor === `${p}viewer`,
    );
    expect(denied.map((e) => e.outcome)).toContain('denied');
  });

  it('an operator cannot declare a macvlan network or host networking: TEMPLATE_INVALID naming the rule', async () => {
    const mv = `${p}mv`;
    const host = `${p}host-box`;
    const res = expectStatus(
      await api('operator').create({
        name: `${p}power`,
        networks: {
          [mv]: {
            driver: 'macvlan',
            // A parent no engine has: the template is refused before anything could use it.
            options: { parent: 'sy-t11none' },
            ipam: { config: [{ subnet: '10.184.3.0/24' }] },
          },
        },
        containers: { [host]: { image: TEST_IMAGE, command: ['sleep', '3600'], networkMode: 'host' } },
      }),
      400,
    ).body;
    expect(res.code).toBe('TEMPLATE_INVALID');
    const problems = res.context.problems as { path: string; message: string }[];
    expect(problems.find((x) => x.path.startsWith(`$.networks.${mv}`))?.message).toMatch(/parent-interface/);
    expect(problems.find((x) => x.path.startsWith(`$.containers.${host}`))?.message).toMatch(/host-network/);
    expect(expectStatus(await t.http.get(`/api/v1/templates/${p}power`), 404).body.code).toBe(
      'TEMPLATE_NOT_FOUND',
    );
    expect((await docker.listNetworks()).some((n) => n.Name === mv)).toBe(false);
  });
});
