import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateDocument } from '../../src/templates/template.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';
import {
  auditAbout,
  cleanupTemplates,
  containerName,
  deploymentRow,
  expectStatus,
  ownedBy,
  REVISION_LABEL,
  snapshot,
  TEMPLATE_LABEL,
  withoutName,
  writesTouching,
} from '../support/templates';

// Issue #11 over GraphQL: the same service calls as REST (templates-flow-rest), a subset of the
// scenarios on the real engine plus the error codes in `extensions`. Subnets of this file:
// 10.182.0.0/16.

const DEPLOYMENT = `id template revision kind status actor startedAt finishedAt
  actions { action kind name status durationMs error }
  expectations { from to reachable passed diagnosis { code message } }
  error { code message }`;
const TEMPLATE = 'name revision description labels document createdAt updatedAt';

interface GqlError {
  message: string;
  extensions: { code: string; status?: number; context?: Record<string, unknown> };
}
interface Deployment {
  id: string;
  status: string;
  kind: string;
  revision: number | null;
  actor: string;
  actions: { action: string; kind: string; name: string; status: string; error: string | null }[];
  expectations: {
    from: string;
    to: string;
    reachable: boolean;
    passed: boolean;
    diagnosis: { code: string; message: string } | null;
  }[];
  error: { code: string; message: string } | null;
}

describe('templates over GraphQL', () => {
  const p = runPrefix('tplgql');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupTemplates(p);
    await t?.close();
  });

  // The data of an operation that must succeed (its errors shown when it does not).
  async function data<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    key?: string,
  ): Promise<T> {
    const res = await t.gql(query, variables, key);
    if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
    return res.body.data as T;
  }
  // The one error of an operation that must fail.
  async function failure(
    query: string,
    variables: Record<string, unknown> = {},
    key?: string,
  ): Promise<GqlError> {
    const res = await t.gql(query, variables, key);
    expect(res.body.errors).toHaveLength(1);
    return res.body.errors[0] as GqlError;
  }

  const createTemplate = (document: unknown) =>
    data<{ createTemplate: { name: string; revision: number; document: TemplateDocument } }>(
      `mutation($d: JSON!) { createTemplate(document: $d) { ${TEMPLATE} } }`,
      { d: document },
    );
  const applyTemplate = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await data<{ applyTemplate: Deployment }>(
        `mutation($n: String!, $r: Int, $w: Boolean) { applyTemplate(name: $n, revision: $r, wait: $w) { ${DEPLOYMENT} } }`,
        { n: name, ...extra },
      )
    ).applyTemplate;
  const status = async (name: string) =>
    (
      await data<{
        templateStatus: {
          template: string;
          deployed: boolean;
          revision: number | null;
          inSync: boolean;
          drift: { kind: string; name: string; reason: string }[];
        };
      }>(
        `query($n: String!) { templateStatus(name: $n) { template deployed revision inSync drift { kind name reason } } }`,
        { n: name },
      )
    ).templateStatus;

  describe('the walkthrough as a template: create, plan, apply, no-op re-apply, drift and repair, destroy', () => {
    const name = `${p}walk`;
    const net = `${p}demo`;
    const a = `${p}a`;
    const b = `${p}b`;
    const lonely = `${p}lonely`;
    const other = `${p}other`;
    const document: TemplateDocument = {
      name,
      labels: { [TEST_LABEL]: p },
      networks: {
        [net]: { ipam: { config: [{ subnet: '10.182.1.0/24' }] } },
        [other]: { ipam: { config: [{ subnet: '10.182.5.0/24' }] } },
      },
      containers: {
        [a]: {
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          networks: {
            [net]: { ipv4Address: '10.182.1.10', macAddress: '02:5e:b6:01:00:0a', aliases: ['a'] },
          },
        },
        [b]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [net]: {} } },
        [lonely]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [other]: {} } },
      },
      expectations: [
        { from: a, to: b, reachable: true },
        { from: lonely, to: a, reachable: false },
        // Fails: lonely is on another network.
        { from: a, to: lonely, reachable: true },
      ],
    };
    let applied: Deployment;

    it('createTemplate stores revision 1; template and templates read it back', async () => {
      const created = (await createTemplate(document)).createTemplate;
      expect(created).toMatchObject({ name, revision: 1 });
      expect(withoutName(created.document)).toEqual(withoutName(document));
      const read = await data<{ template: { revision: number }; templates: { items: { name: string }[] } }>(
        `query($n: String!) { template(name: $n) { ${TEMPLATE} } templates(limit: 100) { items { name } nextCursor } }`,
        { n: name },
      );
      expect(read.template.revision).toBe(1);
      expect(read.templates.items.map((x) => x.name)).toContain(name);
    });

    it('planTemplate (a query) lists the creates and changes nothing', async () => {
      const { planTemplate } = await data<{
        planTemplate: {
          template: string;
          revision: number;
          actions: { action: string; name: string }[];
          conflicts: [];
        };
      }>(
        `query($n: String!) { planTemplate(name: $n) { template revision
           actions { action kind name reason changes { path from to } } conflicts { kind name reason } } }`,
        { n: name },
      );
      expect(planTemplate).toMatchObject({ template: name, revision: 1, conflicts: [] });
      expect(planTemplate.actions.map((x) => `${x.action} ${x.name}`).sort()).toEqual(
        [`create ${a}`, `create ${b}`, `create ${lonely}`, `create ${net}`, `create ${other}`].sort(),
      );
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
    });

    it('applyTemplate: the actions are done, two expectations pass, one fails with its diagnosis', async () => {
      applied = await applyTemplate(name);
      expect(applied).toMatchObject({ kind: 'apply', revision: 1, status: 'failed' });
      expect(applied.error?.code).toBe('EXPECTATIONS_FAILED');
      expect(applied.actions.every((x) => x.status === 'succeeded')).toBe(true);
      expect(applied.expectations.map((e) => [e.from, e.to, e.passed])).toEqual([
        [a, b, true],
        [lonely, a, true],
        [a, lonely, false],
      ]);
      expect(applied.expectations[2].diagnosis?.code).toBe('NO_SHARED_NETWORK');
      expect(deploymentRow(t.databasePath, applied.id)?.status).toBe('failed');
      const owned = await ownedBy(name);
      expect(owned.containers.map(containerName).sort()).toEqual([a, b, lonely].sort());
      for (const c of owned.containers)
        expect(c.Labels).toMatchObject({ [TEMPLATE_LABEL]: name, [REVISION_LABEL]: '1' });
      const endpoint = (await docker.getContainer(a).inspect()).NetworkSettings.Networks[net];
      expect(endpoint).toMatchObject({ IPAddress: '10.182.1.10', MacAddress: '02:5e:b6:01:00:0a' });
      const audit = auditAbout(t.databasePath, 'template.apply', name);
      expect(audit.map((e) => [e.phase, e.transport])).toEqual([
        ['intent', 'graphql'],
        ['outcome', 'graphql'],
      ]);
    });

    it('deployments and deployment read it back', async () => {
      const read = await data<{ deployments: { items: { id: string }[] }; deployment: Deployment }>(
        `query($n: String!, $id: String!) { deployments(template: $n) { items { id } nextCursor } deployment(id: $id) { ${DEPLOYMENT} } }`,
        { n: name, id: applied.id },
      );
      expect(read.deployments.items.map((d) => d.id)).toEqual([applied.id]);
      expect(read.deployment).toEqual(applied);
    });

    it('a re-apply does no engine writes', async () => {
      const before = await snapshot(name);
      const since = Date.now();
      const again = await applyTemplate(name);
      const until = Date.now();
      expect(again.actions.every((x) => x.action === 'unchanged')).toBe(true);
      expect(await snapshot(name)).toEqual(before);
      const ids = [...before.containers, ...before.networks].flatMap((s) => s.split('='));
      expect(await writesTouching(since - 50, until + 50, ids)).toEqual([]);
    });

    it('templateStatus shows the drift of a container stopped by hand; applyTemplate repairs it', async () => {
      await docker.getContainer(b).stop({ t: 0 });
      const drifted = await status(name);
      expect(drifted).toMatchObject({ template: name, deployed: true, inSync: false });
      expect(drifted.drift.map((d) => `${d.kind} ${d.name}`)).toEqual([`container ${b}`]);
      await applyTemplate(name);
      expect((await docker.getContainer(b).inspect()).State.Running).toBe(true);
      expect(await status(name)).toMatchObject({ inSync: true, drift: [] });
    });

    it('replaceTemplate, templateRevisions, templateDiff, then destroyTemplate after deleteTemplate', async () => {
      const changed = {
        ...document,
        containers: { ...document.containers, [b]: { ...document.containers![b], env: { ROLE: 'b' } } },
      };
      const { replaceTemplate } = await data<{ replaceTemplate: { revision: number } }>(
        `mutation($n: String!, $d: JSON!) { replaceTemplate(name: $n, document: $d) { ${TEMPLATE} } }`,
        { n: name, d: withoutName(changed) },
      );
      expect(replaceTemplate.revision).toBe(2);
      const history = await data<{
        templateRevisions: { items: { revision: number; actor: string }[] };
        templateDiff: { changes: { path: string; from: unknown; to: unknown }[] };
      }>(
        `query($n: String!) { templateRevisions(name: $n) { items { revision createdAt actor } nextCursor }
           templateDiff(name: $n, from: 1, to: 2) { template from to changes { path from to } } }`,
        { n: name },
      );
      expect(history.templateRevisions.items.map((r) => r.revision)).toEqual([2, 1]);
      // One change, under b's env (as the object added or as its one variable).
      expect(history.templateDiff.changes).toHaveLength(1);
      expect(history.templateDiff.changes[0].path).toMatch(new RegExp(`^\\$\\.containers\\.${b}\\.env`));

      expect(
        (
          await data<{ deleteTemplate: boolean }>(`mutation($n: String!) { deleteTemplate(name: $n) }`, {
            n: name,
          })
        ).deleteTemplate,
      ).toBe(true);
      const { destroyTemplate } = await data<{ destroyTemplate: Deployment }>(
        `mutation($n: String!) { destroyTemplate(name: $n, wait: true) { ${DEPLOYMENT} } }`,
        { n: name },
      );
      expect(destroyTemplate).toMatchObject({ kind: 'destroy', status: 'succeeded' });
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
    });
  });

  describe('error codes in extensions', () => {
    it('TEMPLATE_INVALID with every problem, TEMPLATE_NAME_TAKEN, TEMPLATE_NOT_FOUND, REVISION_NOT_FOUND, DEPLOYMENT_NOT_FOUND', async () => {
      const invalid = await failure(`mutation($d: JSON!) { createTemplate(document: $d) { name } }`, {
        d: {
          name: `${p}bad`,
          networks: { [`${p}n1`]: { ipam: { config: [{ subnet: '10.182.2.0/24' }] } } },
          containers: { [`${p}c1`]: { image: TEST_IMAGE, networks: { [`${p}n2`]: {} } } },
          expectations: [{ from: `${p}c1`, to: `${p}ghost`, reachable: true }],
        },
      });
      expect(invalid.extensions.code).toBe('TEMPLATE_INVALID');
      const problems = (invalid.extensions.context?.problems ?? []) as { path: string }[];
      expect(problems.map((x) => x.path)).toEqual(
        expect.arrayContaining([`$.containers.${p}c1.networks.${p}n2`, '$.expectations[0].to']),
      );

      await createTemplate({ name: `${p}taken` });
      const taken = await failure(`mutation($d: JSON!) { createTemplate(document: $d) { name } }`, {
        d: { name: `${p}taken` },
      });
      expect(taken.extensions.code).toBe('TEMPLATE_NAME_TAKEN');
      const codes = await Promise.all(
        [
          [`query($n: String!) { template(name: $n) { name } }`, { n: `${p}missing` }],
          [`query($n: String!) { template(name: $n, revision: 7) { name } }`, { n: `${p}taken` }],
          [`query { deployment(id: "no-such-deployment") { id } }`, {}],
          [`mutation($n: String!) { applyTemplate(name: $n) { id } }`, { n: `${p}missing` }],
        ].map(async ([q, v]) => (await failure(q as string, v as Record<string, unknown>)).extensions.code),
      );
      expect(codes).toEqual([
        'TEMPLATE_NOT_FOUND',
        'REVISION_NOT_FOUND',
        'DEPLOYMENT_NOT_FOUND',
        'TEMPLATE_NOT_FOUND',
      ]);
    });

    it('TEMPLATE_BUSY for a second applyTemplate while one runs; FORBIDDEN for a viewer', async () => {
      const name = `${p}busy`;
      await createTemplate({
        name,
        labels: { [TEST_LABEL]: p },
        networks: { [`${p}bnet`]: { ipam: { config: [{ subnet: '10.182.3.0/24' }] } } },
        containers: {
          [`${p}bbox`]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [`${p}bnet`]: {} } },
        },
      });
      const mutation = `mutation($n: String!) { applyTemplate(name: $n) { id status } }`;
      const answers = await Promise.all([t.gql(mutation, { n: name }), t.gql(mutation, { n: name })]);
      const errors = answers.flatMap((r) => (r.body.errors ?? []) as GqlError[]);
      expect(errors.map((e) => e.extensions.code)).toEqual(['TEMPLATE_BUSY']);
      const ran = answers.find((r) => !r.body.errors)!.body.data.applyTemplate;
      expect(ran.status).toBe('succeeded');

      const viewer = expectStatus(
        await t.http.post('/api/v1/api-keys').send({ name: `${p}viewer`, role: 'viewer' }),
        201,
      ).body.key as string;
      const refused = await failure(mutation, { n: name }, viewer);
      expect(refused.extensions.code).toBe('FORBIDDEN');
      expect(
        (
          await data<{ templateStatus: { inSync: boolean } }>(
            `query($n: String!) { templateStatus(name: $n) { inSync } }`,
            { n: name },
            viewer,
          )
        ).templateStatus.inSync,
      ).toBe(true);
      await data(`mutation($n: String!) { destroyTemplate(name: $n) { status } }`, { n: name });
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
    });
  });

  it('importCompose and exportCompose: a round trip that docker-compose config accepts', async () => {
    const dir = runTempDir('tpl-gql-compose-');
    const name = `${p}cmp`;
    await createTemplate({
      name,
      networks: { [`${p}cnet`]: { internal: true, ipam: { config: [{ subnet: '10.182.4.0/24' }] } } },
      containers: {
        [`${p}cbox`]: {
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          env: { A: '1' },
          networks: { [`${p}cnet`]: { ipv4Address: '10.182.4.10', aliases: ['box'] } },
        },
      },
    });
    const { exportCompose } = await data<{ exportCompose: string }>(
      `query($n: String!) { exportCompose(name: $n) }`,
      { n: name },
    );
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, exportCompose);
    const check = spawnSync('/usr/bin/docker-compose', ['-f', file, 'config', '-q'], {
      encoding: 'utf8',
      cwd: dir,
    });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });

    const { importCompose } = await data<{
      importCompose: { template: { name: string; document: TemplateDocument }; unmapped: { path: string }[] };
    }>(
      `mutation($n: String!, $c: String!) { importCompose(name: $n, compose: $c) { template { ${TEMPLATE} } unmapped { path reason } } }`,
      { n: `${p}cmp-copy`, c: exportCompose },
    );
    expect(importCompose.template.name).toBe(`${p}cmp-copy`);
    const original = await data<{ template: { document: TemplateDocument } }>(
      `query($n: String!) { template(name: $n) { document } }`,
      { n: name },
    );
    expect(withoutName(importCompose.template.document)).toEqual(withoutName(original.template.document));
    expect(auditAbout(t.databasePath, 'template.import', `${p}cmp-copy`).map((e) => e.transport)).toContain(
      'graphql',
    );
  });
});
