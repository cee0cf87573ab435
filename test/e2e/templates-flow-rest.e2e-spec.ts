import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateDocument } from '../../src/templates/template.types';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker, execIn } from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';
import {
  auditAbout,
  cleanupTemplates,
  containerName,
  deploymentRow,
  expectStatus,
  HASH_LABEL,
  ownedBy,
  REVISION_LABEL,
  revisionRows,
  snapshot,
  TEMPLATE_LABEL,
  templatesApi,
  type DeploymentBody,
  type TemplatesApi,
  withoutName,
  writesTouching,
} from '../support/templates';

// Issue #11, "Done means", over REST: topology templates stored, planned, applied, checked for
// drift, rolled back and destroyed on the real engine. Every scenario reads the engine (dockerode)
// and the SQLite file, not only the answers. Subnets of this file: 10.181.0.0/16.

const sleeper = (extra: Record<string, unknown> = {}) => ({
  image: TEST_IMAGE,
  command: ['sleep', '3600'],
  ...extra,
});

describe('templates over REST: the scenarios of issue #11', () => {
  const p = runPrefix('tplrest');
  let t: TestApp;
  let api: TemplatesApi;

  beforeAll(async () => {
    t = await startApp();
    api = templatesApi(t.http);
  });
  afterAll(async () => {
    await cleanupTemplates(p);
    await t?.close();
  });

  const apply = async (name: string, body: { revision?: number; wait?: boolean } = {}) =>
    expectStatus(await api.apply(name, body), 200).body as DeploymentBody;

  describe("the README's walkthrough as a template: a network, A with a chosen IP, MAC and alias, B, A pings B by name", () => {
    const name = `${p}walk`;
    const net = `${p}demo`;
    const a = `${p}containerA`;
    const b = `${p}containerB`;
    const document: TemplateDocument = {
      name,
      description: 'two containers that ping each other',
      labels: { [TEST_LABEL]: p },
      networks: { [net]: { ipam: { config: [{ subnet: '10.181.1.0/24' }] } } },
      containers: {
        [a]: sleeper({
          networks: {
            [net]: { ipv4Address: '10.181.1.10', macAddress: '02:5e:b5:01:00:0a', aliases: ['a'] },
          },
        }),
        [b]: sleeper({ networks: { [net]: {} } }),
      },
      expectations: [{ from: a, to: b, reachable: true }],
    };
    let deployment: DeploymentBody;

    beforeAll(async () => {
      const created = expectStatus(await api.create(document), 201);
      expect(created.body).toMatchObject({
        name,
        revision: 1,
        description: document.description,
        labels: { [TEST_LABEL]: p },
      });
    });

    it('is stored as revision 1, in the answer and in the database', async () => {
      const got = expectStatus(await api.get(name), 200);
      expect(got.body.document).toMatchObject({ name, networks: document.networks });
      expect(Object.keys(got.body.document.containers)).toEqual([a, b]);
      const rows = revisionRows(t.databasePath, name);
      expect(rows.map((r) => r.revision)).toEqual([1]);
      expect(JSON.parse(rows[0].document_json)).toMatchObject({ name, networks: document.networks });
    });

    it('plans to create the network and both containers, and creates nothing by planning', async () => {
      const plan = expectStatus(await api.plan(name), 200).body;
      expect(plan).toMatchObject({ template: name, revision: 1, conflicts: [] });
      expect(
        plan.actions
          .map((x: { action: string; kind: string; name: string }) => `${x.action} ${x.kind} ${x.name}`)
          .sort(),
      ).toEqual([`create container ${a}`, `create container ${b}`, `create network ${net}`].sort());
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
    });

    it('applies: succeeded, the expectations passed, recorded in the database and the audit log', async () => {
      deployment = await apply(name);
      expect(deployment).toMatchObject({
        template: name,
        revision: 1,
        kind: 'apply',
        status: 'succeeded',
        error: null,
        actor: expect.any(String),
      });
      expect(deployment.finishedAt).toEqual(expect.any(String));
      expect(deployment.actions).toHaveLength(3);
      for (const action of deployment.actions) {
        expect(action).toMatchObject({ action: 'create', status: 'succeeded', error: null });
        expect(action.durationMs).toEqual(expect.any(Number));
      }
      expect(deployment.expectations).toEqual([
        { from: a, to: b, reachable: true, passed: true, diagnosis: null },
      ]);
      const row = deploymentRow(t.databasePath, deployment.id);
      expect(row).toMatchObject({ template: name, revision: 1, kind: 'apply', status: 'succeeded' });
      expect(JSON.parse(row!.actions_json)).toHaveLength(3);
      const audit = auditAbout(t.databasePath, 'template.apply', name);
      // Intent first, then the outcome, by the key that applied.
      expect(audit.map((e) => [e.phase, e.outcome, e.actor])).toEqual([
        ['intent', null, deployment.actor],
        ['outcome', 'succeeded', deployment.actor],
      ]);
      expect(auditAbout(t.databasePath, 'template.create', name).length > 0).toBe(true);
    });

    it('the engine has them, labelled with the template, the revision and a hash, A with its IP, MAC and alias', async () => {
      const owned = await ownedBy(name);
      expect(owned.networks.map((n) => n.Name)).toEqual([net]);
      expect(owned.containers.map(containerName).sort()).toEqual([a, b].sort());
      for (const labels of [
        ...owned.networks.map((n) => n.Labels),
        ...owned.containers.map((c) => c.Labels),
      ]) {
        expect(labels).toMatchObject({ [TEMPLATE_LABEL]: name, [REVISION_LABEL]: '1', [TEST_LABEL]: p });
        expect(labels?.[HASH_LABEL]).toMatch(/^[0-9a-f]{8,}$/);
      }
      expect(owned.containers.every((c) => c.State === 'running')).toBe(true);
      const endpoint = (await docker.getContainer(a).inspect()).NetworkSettings.Networks[net];
      expect(endpoint).toMatchObject({ IPAddress: '10.181.1.10', MacAddress: '02:5e:b5:01:00:0a' });
      expect(endpoint.Aliases).toEqual(expect.arrayContaining(['a']));
      const ping = await execIn(b, ['ping', '-c', '1', '-W', '5', 'a']);
      expect(ping.output).toContain('10.181.1.10');
      expect(ping.exitCode).toBe(0);
    });

    it('status: deployed at revision 1, in sync', async () => {
      expect(expectStatus(await api.status(name), 200).body).toEqual({
        template: name,
        deployed: true,
        revision: 1,
        latestRevision: 1,
        inSync: true,
        drift: [],
      });
    });
  });

  describe('a multi-network topology: a container on two networks with fixed IPs and MACs, an internal network', () => {
    const name = `${p}multi`;
    const front = `${p}front`;
    const back = `${p}back`;
    const gw = `${p}gw`;
    const web = `${p}web`;
    const db = `${p}db`;
    // A MAC on the second network at create needs per-endpoint MACs (API >= 1.44).
    const backMac = FEATURES.perEndpointMacAtCreate ? { macAddress: '02:5e:b5:03:00:0a' } : {};
    const document: TemplateDocument = {
      name,
      labels: { [TEST_LABEL]: p },
      networks: {
        [front]: { ipam: { config: [{ subnet: '10.181.2.0/24', gateway: '10.181.2.1' }] } },
        [back]: { internal: true, ipam: { config: [{ subnet: '10.181.3.0/24' }] } },
      },
      containers: {
        [gw]: sleeper({
          hostname: 'gateway',
          networks: {
            [front]: { ipv4Address: '10.181.2.10', macAddress: '02:5e:b5:02:00:0a', aliases: ['gw-front'] },
            [back]: { ipv4Address: '10.181.3.10', aliases: ['gw-back'], ...backMac },
          },
        }),
        [web]: sleeper({ networks: { [front]: { ipv4Address: '10.181.2.20' } } }),
        [db]: sleeper({ networks: { [back]: { ipv4Address: '10.181.3.20' } } }),
      },
      expectations: [
        { from: gw, to: web, reachable: true },
        { from: gw, to: db, reachable: true },
        { from: db, to: web, reachable: false },
        // Fails: web is on the front network only, db on the internal one.
        { from: web, to: db, reachable: true },
      ],
    };
    let deployment: DeploymentBody;

    beforeAll(async () => {
      expectStatus(await api.create(document), 201);
      deployment = await apply(name);
    });

    it('the actions are done; the failing expectation makes the deployment failed, with its diagnosis', () => {
      expect(deployment.actions.every((x) => x.status === 'succeeded')).toBe(true);
      expect(deployment.status).toBe('failed');
      expect(deployment.error?.code).toBe('EXPECTATIONS_FAILED');
      const results = deployment.expectations;
      expect(results.slice(0, 3)).toEqual([
        { from: gw, to: web, reachable: true, passed: true, diagnosis: null },
        { from: gw, to: db, reachable: true, passed: true, diagnosis: null },
        { from: db, to: web, reachable: false, passed: true, diagnosis: null },
      ]);
      expect(results[3]).toMatchObject({ from: web, to: db, reachable: false, passed: false });
      expect(results[3].diagnosis).toEqual({ code: 'NO_SHARED_NETWORK', message: expect.any(String) });
      expect(deploymentRow(t.databasePath, deployment.id)?.status).toBe('failed');
    });

    it('the engine: gw on both networks with its IPs and MACs, the back network internal', async () => {
      const info = await docker.getContainer(gw).inspect();
      expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([back, front].sort());
      expect(info.NetworkSettings.Networks[front]).toMatchObject({
        IPAddress: '10.181.2.10',
        MacAddress: '02:5e:b5:02:00:0a',
      });
      expect(info.NetworkSettings.Networks[back].IPAddress).toBe('10.181.3.10');
      if (backMac.macAddress) expect(info.NetworkSettings.Networks[back].MacAddress).toBe(backMac.macAddress);
      expect(info.Config.Hostname).toBe('gateway');
      const inspected = await docker.getNetwork(back).inspect();
      expect(inspected.Internal).toBe(true);
      expect(inspected.IPAM?.Config?.[0]?.Subnet).toBe('10.181.3.0/24');
      expect((await docker.getNetwork(front).inspect()).IPAM?.Config?.[0]).toMatchObject({
        Subnet: '10.181.2.0/24',
        Gateway: '10.181.2.1',
      });
    });
  });

  describe('plan, apply, no-op re-apply, drift and repair, rollback, concurrent applies, revisions, destroy', () => {
    const name = `${p}life`;
    const net = `${p}lnet`;
    const c1 = `${p}c1`;
    const c2 = `${p}c2`;
    const c3 = `${p}c3`;
    const bad = `${p}bad`;
    const base: TemplateDocument = {
      name,
      labels: { [TEST_LABEL]: p },
      networks: { [net]: { ipam: { config: [{ subnet: '10.181.4.0/24' }] } } },
      containers: {
        [c1]: sleeper({ env: { ROLE: 'one' }, networks: { [net]: {} } }),
        [c2]: sleeper({ env: { ROLE: 'two' }, networks: { [net]: {} } }),
      },
      expectations: [{ from: c1, to: c2, reachable: true }],
    };
    const lookalike = `${p}lookalike`;

    beforeAll(async () => {
      expectStatus(await api.create(base), 201);
    });

    it('apply creates, then the plan is all unchanged', async () => {
      const first = await apply(name);
      expect(first.status).toBe('succeeded');
      const plan = expectStatus(await api.plan(name), 200).body;
      expect(plan.actions.map((x: { action: string }) => x.action)).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      expect(plan.conflicts).toEqual([]);
    });

    it('a no-op re-apply writes nothing on the engine: same ids, no create/start/connect/destroy event', async () => {
      const before = await snapshot(name);
      const since = Date.now();
      const again = await apply(name);
      const until = Date.now();
      expect(again.status).toBe('succeeded');
      expect(again.actions.every((x) => x.action === 'unchanged')).toBe(true);
      expect(await snapshot(name)).toEqual(before);
      const ids = [...before.containers, ...before.networks].flatMap((s) => s.split('='));
      expect(await writesTouching(since - 50, until + 50, ids)).toEqual([]);
    });

    it('drift: a container stopped and another disconnected by hand; status lists both; apply repairs', async () => {
      await docker.getContainer(c1).stop({ t: 0 });
      await docker.getNetwork(net).disconnect({ Container: c2, Force: true });
      const status = expectStatus(await api.status(name), 200).body;
      expect(status).toMatchObject({ template: name, deployed: true, revision: 1, inSync: false });
      expect(status.drift.map((d: { kind: string; name: string }) => `${d.kind} ${d.name}`).sort()).toEqual(
        [`container ${c1}`, `container ${c2}`].sort(),
      );
      for (const d of status.drift) expect(d.reason).toEqual(expect.any(String));

      const repaired = await apply(name);
      expect(repaired.status).toBe('succeeded');
      expect((await docker.getContainer(c1).inspect()).State.Running).toBe(true);
      expect(Object.keys((await docker.getContainer(c2).inspect()).NetworkSettings.Networks)).toEqual([net]);
      expect(expectStatus(await api.status(name), 200).body).toMatchObject({ inSync: true, drift: [] });
    });

    it('a failing step rolls back: a new container that cannot start, a recreated one; the engine is as before', async () => {
      const before = await snapshot(name);
      const hashes = (await ownedBy(name)).containers
        .map((c) => `${containerName(c)}=${c.Labels[HASH_LABEL]}`)
        .sort();
      const broken = {
        ...base,
        containers: {
          ...base.containers,
          [c2]: sleeper({ env: { ROLE: 'two, changed' }, networks: { [net]: {} } }),
          [bad]: { image: TEST_IMAGE, command: ['/no/such/program'], networks: { [net]: {} } },
        },
      };
      expectStatus(await api.replace(name, broken), 200);
      const plan = expectStatus(await api.plan(name), 200).body;
      expect(plan.actions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: 'create', kind: 'container', name: bad }),
          expect.objectContaining({
            action: 'recreate',
            kind: 'container',
            name: c2,
            changes: expect.arrayContaining([
              expect.objectContaining({ path: expect.stringContaining('env') }),
            ]),
          }),
        ]),
      );

      const failed = await apply(name);
      expect(failed.status).toBe('rolled_back');
      expect(failed.error).toEqual({ code: expect.any(String), message: expect.stringContaining(bad) });
      const badAction = failed.actions.find((x) => x.name === bad);
      expect(badAction?.error).toEqual(expect.any(String));
      expect(['failed', 'rolled_back']).toContain(badAction?.status);
      // The recreate ran beside the failing create (independent actions run concurrently) and was put back.
      expect(failed.actions.find((x) => x.name === c2)).toMatchObject({
        action: 'recreate',
        status: 'rolled_back',
      });
      expect(deploymentRow(t.databasePath, failed.id)?.status).toBe('rolled_back');

      expect(await snapshot(name)).toEqual(before);
      const after = (await ownedBy(name)).containers;
      expect(after.map((c) => `${containerName(c)}=${c.Labels[HASH_LABEL]}`).sort()).toEqual(hashes);
      expect(after.every((c) => c.State === 'running')).toBe(true);
      expect((await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${bad}`))).toBe(
        false,
      );
    });

    it('two applies at once: one runs, the other is 409 TEMPLATE_BUSY', async () => {
      const next = {
        ...base,
        containers: { ...base.containers, [c3]: sleeper({ networks: { [net]: {} } }) },
      };
      expectStatus(await api.replace(name, next), 200);
      const answers = await Promise.all([api.apply(name), api.apply(name)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const busy = answers.find((r) => r.status === 409)!;
      expect(busy.body.code).toBe('TEMPLATE_BUSY');
      const ran = answers.find((r) => r.status === 200)!.body as DeploymentBody;
      expect(ran.status).toBe('succeeded');
      expect((await ownedBy(name)).containers.map(containerName).sort()).toEqual([c1, c2, c3].sort());
    });

    it('revisions, newest first, and the diff between two of them by path', async () => {
      const revisions = expectStatus(await api.revisions(name), 200).body;
      expect(revisions.items.map((r: { revision: number }) => r.revision)).toEqual([3, 2, 1]);
      for (const r of revisions.items)
        expect(r).toMatchObject({ createdAt: expect.any(String), actor: expect.any(String) });
      const diff = expectStatus(await api.diff(name, 1, 2), 200).body;
      expect(diff).toMatchObject({ template: name, from: 1, to: 2 });
      expect(diff.changes).toEqual(
        expect.arrayContaining([
          { path: `$.containers.${c2}.env.ROLE`, from: 'two', to: 'two, changed' },
          expect.objectContaining({ path: expect.stringContaining(`$.containers.${bad}`), from: null }),
        ]),
      );
      expect(expectStatus(await api.get(name, 1), 200).body.document).toMatchObject(withoutName(base));
      expect(expectStatus(await api.get(name, 9), 404).body.code).toBe('REVISION_NOT_FOUND');
    });

    it('destroy after an edit removes everything with the label, also what the edit dropped; a look-alike survives', async () => {
      // The look-alike has the template's labels except the template label, and a name of the file.
      await docker.createContainer({
        name: lookalike,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '3600'],
        Labels: { [TEST_LABEL]: p, 'io.switchyard.managed': 'true' },
      });
      // Revision 4 no longer declares c3 (and is not applied).
      expectStatus(await api.replace(name, base), 200);
      const destroyed = expectStatus(await api.destroy(name), 200).body as DeploymentBody;
      expect(destroyed).toMatchObject({ template: name, kind: 'destroy', status: 'succeeded' });
      expect(destroyed.actions.map((x) => `${x.action} ${x.kind} ${x.name}`).sort()).toEqual(
        [
          `remove container ${c1}`,
          `remove container ${c2}`,
          `remove container ${c3}`,
          `remove network ${net}`,
        ].sort(),
      );
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
      expect((await docker.getContainer(lookalike).inspect()).Name).toBe(`/${lookalike}`);
      expect(deploymentRow(t.databasePath, destroyed.id)).toMatchObject({
        kind: 'destroy',
        status: 'succeeded',
      });
      expect(expectStatus(await api.status(name), 200).body).toMatchObject({
        deployed: false,
        revision: null,
      });
    });

    it('destroy after delete: the template is gone, what it deployed is removed, the deployments stay readable', async () => {
      const gone = `${p}gone`;
      const box = `${p}gone-box`;
      expectStatus(
        await api.create({
          name: gone,
          labels: { [TEST_LABEL]: p },
          networks: { [`${p}gnet`]: { ipam: { config: [{ subnet: '10.181.5.0/24' }] } } },
          containers: { [box]: sleeper({ networks: { [`${p}gnet`]: {} } }) },
        }),
        201,
      );
      expect((await apply(gone)).status).toBe('succeeded');
      expectStatus(await api.remove(gone), 204);
      expect(expectStatus(await api.get(gone), 404).body.code).toBe('TEMPLATE_NOT_FOUND');
      expect((await snapshot(gone)).containers).toHaveLength(1);

      const destroyed = expectStatus(await api.destroy(gone), 200).body as DeploymentBody;
      expect(destroyed).toMatchObject({ template: gone, kind: 'destroy', status: 'succeeded' });
      expect(await snapshot(gone)).toEqual({ containers: [], networks: [] });
      const history = expectStatus(await api.deployments(gone), 200).body;
      expect(history.items.map((d: DeploymentBody) => d.kind)).toEqual(['destroy', 'apply']);
      expect(auditAbout(t.databasePath, 'template.delete', gone).length > 0).toBe(true);
      expect(auditAbout(t.databasePath, 'template.destroy', gone).length > 0).toBe(true);
      // The name can be used again, at the next revision number.
      const again = expectStatus(await api.create({ name: gone, labels: { [TEST_LABEL]: p } }), 201);
      expect(again.body.revision).toBe(2);
    });
  });

  describe('errors', () => {
    it('TEMPLATE_INVALID lists every problem with its path; TEMPLATE_NAME_TAKEN; TEMPLATE_NOT_FOUND; DEPLOYMENT_NOT_FOUND', async () => {
      const invalid = expectStatus(
        await api.create({
          name: `${p}invalid`,
          bogus: true,
          networks: { [`${p}inet`]: { ipam: { config: [{ subnet: '10.181.6.0/24' }] } } },
          containers: {
            [`${p}i1`]: sleeper({
              networks: { [`${p}nowhere`]: {}, [`${p}inet`]: { ipv4Address: '10.181.7.5' } },
            }),
          },
          expectations: [{ from: `${p}i1`, to: `${p}ghost`, reachable: true }],
        }),
        400,
      ).body;
      expect(invalid.code).toBe('TEMPLATE_INVALID');
      const paths = invalid.context.problems.map((x: { path: string }) => x.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '$.bogus',
          `$.containers.${p}i1.networks.${p}nowhere`,
          `$.containers.${p}i1.networks.${p}inet.ipv4Address`,
          '$.expectations[0].to',
        ]),
      );
      expect(invalid.errors.map((e: { field: string }) => e.field)).toEqual(paths);
      expect(expectStatus(await api.get(`${p}invalid`), 404).body.code).toBe('TEMPLATE_NOT_FOUND');
      expectStatus(await api.create({ name: `${p}taken` }), 201);
      expect(expectStatus(await api.create({ name: `${p}taken` }), 409).body.code).toBe(
        'TEMPLATE_NAME_TAKEN',
      );
      expect(expectStatus(await api.deployment('no-such-deployment'), 404).body.code).toBe(
        'DEPLOYMENT_NOT_FOUND',
      );
    });

    it('a declared name held by something the template does not own: a plan conflict, 409 RESOURCE_NOT_OWNED, untouched', async () => {
      const name = `${p}owned`;
      const squatter = `${p}squatter`;
      const made = await docker.createContainer({
        name: squatter,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '3600'],
        Labels: { [TEST_LABEL]: p },
      });
      expectStatus(
        await api.create({
          name,
          labels: { [TEST_LABEL]: p },
          networks: { [`${p}onet`]: { ipam: { config: [{ subnet: '10.181.12.0/24' }] } } },
          containers: { [squatter]: sleeper({ networks: { [`${p}onet`]: {} } }) },
        }),
        201,
      );
      const plan = expectStatus(await api.plan(name), 200).body;
      expect(plan.conflicts).toEqual([{ kind: 'container', name: squatter, reason: expect.any(String) }]);
      const refused = expectStatus(await api.apply(name), 409).body;
      expect(refused.code).toBe('RESOURCE_NOT_OWNED');
      expect(refused.context.conflicts).toEqual([
        expect.objectContaining({ kind: 'container', name: squatter }),
      ]);
      // Nothing was done: the squatter is the same container, the network was not created.
      const info = await docker.getContainer(squatter).inspect();
      expect({ id: info.Id, labels: info.Config.Labels }).toEqual({
        id: made.id,
        labels: { [TEST_LABEL]: p },
      });
      expect(await snapshot(name)).toEqual({ containers: [], networks: [] });
    });

    it('YAML in, with the same document as JSON', async () => {
      const yaml = [
        `name: ${p}yaml`,
        'description: from YAML',
        'labels:',
        `  ${TEST_LABEL}: ${p}`,
        'networks:',
        `  ${p}ynet:`,
        '    ipam:',
        '      config:',
        '        - subnet: 10.181.8.0/24',
        '',
      ].join('\n');
      const created = expectStatus(await api.createYaml(yaml), 201).body;
      expect(created.document).toEqual({
        name: `${p}yaml`,
        description: 'from YAML',
        labels: { [TEST_LABEL]: p },
        networks: { [`${p}ynet`]: { ipam: { config: [{ subnet: '10.181.8.0/24' }] } } },
      });
    });
  });

  describe("compose round trip through Debian's docker-compose config", () => {
    const dir = runTempDir('tpl-compose-');
    const name = `${p}rich`;
    const edge = `${p}edge`;
    const core = `${p}core`;
    // Everything a template can say: compose fields, and the rest in x-switchyard extensions.
    const rich: TemplateDocument = {
      name,
      description: 'a rich template: every field compose can carry',
      labels: { [TEST_LABEL]: p, tier: 'lab' },
      networks: {
        [edge]: {
          driver: 'bridge',
          attachable: true,
          options: { 'com.docker.network.bridge.enable_icc': 'true' },
          labels: { tier: 'edge' },
          ipam: {
            driver: 'default',
            config: [
              {
                subnet: '10.181.9.0/24',
                gateway: '10.181.9.1',
                ipRange: '10.181.9.128/25',
                auxAddresses: { router: '10.181.9.2' },
              },
            ],
          },
        },
        [core]: {
          internal: true,
          enableIPv6: true,
          ipam: { config: [{ subnet: '10.181.10.0/24' }, { subnet: 'fd00:181:10::/64' }] },
        },
      },
      containers: {
        [`${p}proxy`]: {
          image: TEST_IMAGE,
          entrypoint: ['/bin/sh', '-c'],
          command: ['sleep 3600'],
          env: { MODE: 'proxy', EMPTY: '' },
          labels: { role: 'proxy' },
          hostname: 'proxy',
          restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
          networks: {
            [edge]: {
              ipv4Address: '10.181.9.10',
              macAddress: '02:5e:b5:09:00:0a',
              aliases: ['proxy', 'www'],
            },
            [core]: {
              ipv4Address: '10.181.10.10',
              ipv6Address: 'fd00:181:10::10',
              // A MAC on the second network needs per-endpoint MACs at create (API >= 1.44).
              ...(FEATURES.perEndpointMacAtCreate ? { macAddress: '02:5e:b5:0a:00:0a' } : {}),
            },
          },
        },
        [`${p}app`]: {
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          restartPolicy: { name: 'unless-stopped' },
          networks: { [core]: { aliases: ['app'] } },
        },
        [`${p}loner`]: { image: TEST_IMAGE, command: ['sleep', '3600'], networkMode: 'none', start: false },
      },
      expectations: [
        { from: `${p}proxy`, to: `${p}app`, reachable: true },
        { from: `${p}app`, to: `${p}proxy`, reachable: true },
      ],
    };

    it('exports a rich template that docker-compose config accepts, and imports it back to the same document', async () => {
      const created = expectStatus(await api.create(rich), 201).body;
      const exported = expectStatus(await api.exportCompose(name), 200);
      expect(exported.headers['content-type']).toMatch(/^application\/yaml/);
      const text = exported.body as unknown as string;
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, text);
      const check = spawnSync('/usr/bin/docker-compose', ['-f', file, 'config', '-q'], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
      // The normalised form lists every service.
      const normalised = execFileSync('/usr/bin/docker-compose', ['-f', file, 'config', '--services'], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect(normalised.trim().split('\n').sort()).toEqual(Object.keys(rich.containers!).sort());

      const imported = expectStatus(await api.importCompose(`${p}rich-copy`, text), 201).body;
      expect(imported.unmapped).toEqual([]);
      expect(imported.template.name).toBe(`${p}rich-copy`);
      expect(withoutName(imported.template.document)).toEqual(withoutName(created.document));
    });

    it('lists what a compose file has that cannot be mapped (ports, volumes), and stores the rest', async () => {
      const compose = [
        'services:',
        `  ${p}web:`,
        `    image: ${TEST_IMAGE}`,
        '    command: ["sleep", "3600"]',
        '    ports: ["8080:80"]',
        '    volumes: ["/srv:/srv"]',
        '    networks:',
        `      ${p}lan:`,
        '        ipv4_address: 10.181.11.10',
        'networks:',
        `  ${p}lan:`,
        '    ipam:',
        '      config:',
        '        - subnet: 10.181.11.0/24',
        '',
      ].join('\n');
      const res = expectStatus(await api.importCompose(`${p}partial`, compose), 201).body;
      const unmapped = res.unmapped.map((u: { path: string }) => u.path).join(' ');
      expect(unmapped).toContain(`$.services.${p}web.ports`);
      expect(unmapped).toContain(`$.services.${p}web.volumes`);
      for (const u of res.unmapped) expect(u.reason).toEqual(expect.any(String));
      expect(res.template.document.containers[`${p}web`]).toMatchObject({
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        // A compose network without a `name` keeps its key as its name, as a service does.
        networks: { [`${p}lan`]: { ipv4Address: '10.181.11.10' } },
      });
      expect(auditAbout(t.databasePath, 'template.import', `${p}partial`).length > 0).toBe(true);
    });
  });
});
