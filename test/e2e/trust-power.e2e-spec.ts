import type request from 'supertest';
import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, inspectNetwork } from '../support/engine';
import { runPrefix } from '../support/names';

const engineHasContainer = async (name: string) =>
  (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));
const engineHasNetwork = async (name: string) => (await docker.listNetworks()).some((n) => n.Name === name);

interface AuditItem {
  action: string;
  actor: string;
  phase: string;
  outcome: string | null;
  targetName?: string | null;
  target: { kind: string | null; name: string | null; id: string | null };
  errorCode: string | null;
  detail: string | null;
}

const restRule = (res: request.Response) => [res.status, res.body.code, res.body.context?.rule];
const gqlRule = (res: request.Response) => {
  const error = (res.body.errors ?? [])[0] as
    { extensions: { code: string; status: number; context?: { rule?: string } } } | undefined;
  return [error?.extensions.status, error?.extensions.code, error?.extensions.context?.rule];
};

// Power follows what a resource is: host networking, parent interfaces, address pools, keys and
// scope labels. Subnets of this file: 10.219.0.0/16 (and the documentation ranges for the pools).
describe('trust: power follows what a resource is', () => {
  const p = runPrefix('power');
  let t: TestApp;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};

  const createKey = async (name: string, role: string, extra: Record<string, unknown> = {}) => {
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}${name}`, role, ...extra })
      .expect(201);
    return res.body as { id: string; key: string };
  };
  const auditOf = async (action: string, actor: string): Promise<AuditItem[]> =>
    (
      (
        await t.http
          .get('/api/v1/audit-logs')
          .query({ action, actor: `${p}${actor}`, limit: 50 })
          .expect(200)
      ).body as { items: AuditItem[] }
    ).items;
  const startedAt = async (name: string) => (await docker.getContainer(name).inspect()).State.StartedAt;

  beforeAll(async () => {
    t = await startApp();
    for (const [name, role, scope] of [
      ['viewer', 'viewer', undefined],
      ['operator', 'operator', undefined],
      ['team-a', 'operator', { team: `a-${p}` }],
      ['tenant-b', 'viewer', { tenant: `b-${p}` }],
      ['admin-a', 'admin', { team: `a-${p}` }],
    ] as const) {
      const created = await createKey(name, role, scope ? { scope } : {});
      keys[name] = created.key;
      ids[name] = created.id;
    }
    const box = (name: string, extra: Record<string, unknown> = {}) =>
      t.http
        .post('/api/v1/containers')
        .send({
          name: `${p}${name}`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          labels: { [TEST_LABEL]: p },
          ...extra,
        })
        .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}mv`,
        driver: 'macvlan',
        options: { parent: MACVLAN_PARENTS.trustPower },
        ipam: { config: [{ subnet: '10.219.1.0/24' }] },
      })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}br`, ipam: { config: [{ subnet: '10.219.2.0/24' }] } })
      .expect(201);
    await box('hostbox', { networkMode: 'host' });
    await box('mvbox', { networks: [{ network: `${p}mv` }] });
    await box('plain', { networks: [{ network: `${p}br` }] });
    await box('plain2', { networks: [{ network: `${p}br` }] });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('the target decides, not only how it was made', () => {
    it('an operator cannot exec in, start or restart a container on host networking (REST and GraphQL)', async () => {
      const operator = t.as(keys.operator);
      const before = await startedAt(`${p}hostbox`);
      const rest = [
        await operator.post(`/api/v1/containers/${p}hostbox/exec`).send({ command: ['true'] }),
        await operator.post(`/api/v1/containers/${p}hostbox/start`),
        await operator.post(`/api/v1/containers/${p}hostbox/restart?timeout=0`),
      ];
      expect(rest.map(restRule)).toEqual(rest.map(() => [403, 'POLICY_VIOLATION', 'host-network']));
      expect(rest[0].body.detail).toContain('admin');
      const gql = [
        await t.gql(
          `mutation { exec(ref: "${p}hostbox", input: { command: ["true"] }) { exitCode } }`,
          undefined,
          keys.operator,
        ),
        await t.gql(`mutation { startContainer(ref: "${p}hostbox") { state } }`, undefined, keys.operator),
        await t.gql(
          `mutation { restartContainer(ref: "${p}hostbox", timeout: 0) { state } }`,
          undefined,
          keys.operator,
        ),
      ];
      expect(gql.map(gqlRule)).toEqual(gql.map(() => [403, 'POLICY_VIOLATION', 'host-network']));
      // Nothing happened to it: not restarted.
      expect(await startedAt(`${p}hostbox`)).toBe(before);
      // The id names it just as well.
      const id = (await docker.getContainer(`${p}hostbox`).inspect()).Id;
      const byId = await operator
        .post(`/api/v1/containers/${id.slice(0, 12)}/exec`)
        .send({ command: ['true'] });
      expect(restRule(byId)).toEqual([403, 'POLICY_VIOLATION', 'host-network']);
      // An admin may.
      const admin = await t.http
        .post(`/api/v1/containers/${p}hostbox/exec`)
        .send({ command: ['true'] })
        .expect(200);
      expect(admin.body.exitCode).toBe(0);
      // REST by name and by id prefix, and GraphQL: each refusal recorded.
      const denied = await auditOf('container.exec', 'operator');
      expect(denied.filter((e) => e.outcome === 'denied' && e.errorCode === 'POLICY_VIOLATION').length).toBe(
        3,
      );
    });

    it('an operator cannot attach anything to a macvlan network an admin created, nor run a container on it', async () => {
      const operator = t.as(keys.operator);
      const connect = await operator
        .post(`/api/v1/networks/${p}mv/connections`)
        .send({ container: `${p}plain` });
      expect(restRule(connect)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      const networkId = (await inspectNetwork(`${p}mv`)).Id;
      const gqlConnect = await t.gql(
        `mutation { connectContainer(network: "${networkId}", input: { container: "${p}plain" }) { network } }`,
        undefined,
        keys.operator,
      );
      expect(gqlRule(gqlConnect)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      const run = await operator.post('/api/v1/containers').send({
        name: `${p}op-on-mv`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: [{ network: `${p}mv` }],
      });
      expect(restRule(run)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      const gqlRun = await t.gql(
        'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
        {
          i: {
            name: `${p}op-on-mv2`,
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            networks: [{ network: `${p}mv` }],
          },
        },
        keys.operator,
      );
      expect(gqlRule(gqlRun)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
      const plain = await docker.getContainer(`${p}plain`).inspect();
      expect(Object.keys(plain.NetworkSettings.Networks)).toEqual([`${p}br`]);
      expect(await engineHasContainer(`${p}op-on-mv`)).toBe(false);
      expect(await engineHasContainer(`${p}op-on-mv2`)).toBe(false);
      // What an operator made stays its own: a plain bridge network still takes its containers.
      await operator
        .post(`/api/v1/containers/${p}plain/exec`)
        .send({ command: ['true'] })
        .expect(200);
    });

    it('an operator cannot run commands in, start or restart a container on a macvlan network', async () => {
      const operator = t.as(keys.operator);
      const refused = [
        await operator.post(`/api/v1/containers/${p}mvbox/exec`).send({ command: ['true'] }),
        await operator.post(`/api/v1/containers/${p}mvbox/restart?timeout=0`),
      ];
      expect(refused.map(restRule)).toEqual(refused.map(() => [403, 'POLICY_VIOLATION', 'parent-interface']));
      const gql = await t.gql(
        `mutation { exec(ref: "${p}mvbox", input: { command: ["true"] }) { exitCode } }`,
        undefined,
        keys.operator,
      );
      expect(gqlRule(gql)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);
    });
  });

  describe('ping and the matrix run commands', () => {
    it('need the operator role (REST and GraphQL)', async () => {
      const viewer = t.as(keys.viewer);
      const refused = [
        await viewer.post('/api/v1/connectivity/ping').send({ from: `${p}plain`, to: '127.0.0.1', count: 1 }),
        await viewer.post('/api/v1/connectivity/matrix').send({ network: `${p}br` }),
      ];
      expect(refused.map((r) => [r.status, r.body.code])).toEqual(refused.map(() => [403, 'FORBIDDEN']));
      const gql = [
        await t.gql(
          `{ ping(input: { from: "${p}plain", to: "127.0.0.1", count: 1 }) { reachable } }`,
          undefined,
          keys.viewer,
        ),
        await t.gql(
          `{ connectivityMatrix(input: { network: "${p}br" }) { network } }`,
          undefined,
          keys.viewer,
        ),
      ];
      expect(gql.map((r) => gqlRule(r).slice(0, 2))).toEqual(gql.map(() => [403, 'FORBIDDEN']));
    });

    it('run only in containers the key may exec in, and are audited like exec', async () => {
      const operator = t.as(keys.operator);
      const fromHost = await operator
        .post('/api/v1/connectivity/ping')
        .send({ from: `${p}hostbox`, to: '127.0.0.1', count: 1 });
      expect(restRule(fromHost)).toEqual([403, 'POLICY_VIOLATION', 'host-network']);
      const gqlFromHost = await t.gql(
        `{ ping(input: { from: "${p}hostbox", to: "127.0.0.1", count: 1 }) { reachable } }`,
        undefined,
        keys.operator,
      );
      expect(gqlRule(gqlFromHost)).toEqual([403, 'POLICY_VIOLATION', 'host-network']);
      const onMacvlan = await operator.post('/api/v1/connectivity/matrix').send({ network: `${p}mv` });
      expect(restRule(onMacvlan)).toEqual([403, 'POLICY_VIOLATION', 'parent-interface']);

      const ping = await operator
        .post('/api/v1/connectivity/ping')
        .send({ from: `${p}plain`, to: `${p}plain2`, count: 1 })
        .expect(200);
      expect(ping.body.reachable).toBe(true);
      const gqlPing = await t
        .gql(
          `{ ping(input: { from: "${p}plain", to: "127.0.0.1", count: 1 }) { reachable } }`,
          undefined,
          keys.operator,
        )
        .expect(200);
      expect(gqlPing.body.data.ping.reachable).toBe(true);
      const matrix = await operator
        .post('/api/v1/connectivity/matrix')
        .send({ network: `${p}br` })
        .expect(200);
      expect(
        matrix.body.results.map((r: { from: string; to: string }) => `${r.from}>${r.to}`).sort(),
      ).toEqual([`${p}plain2>${p}plain`, `${p}plain>${p}plain2`]);

      const pings = await auditOf('container.ping', 'operator');
      const outcomes = pings.filter((e) => e.phase === 'outcome');
      expect(outcomes.map((e) => [e.outcome, e.target.kind, e.target.name]).sort()).toEqual(
        [
          ['denied', 'container', `${p}hostbox`],
          ['denied', 'container', `${p}hostbox`],
          ['succeeded', 'container', `${p}plain`],
          ['succeeded', 'container', `${p}plain`],
        ].sort(),
      );
      // Succeeded runs have an intent before the command ran, like exec.
      expect(pings.filter((e) => e.phase === 'intent').length).toBe(2);
      const matrices = await auditOf('connectivity.matrix', 'operator');
      expect(
        matrices
          .filter((e) => e.phase === 'outcome')
          .map((e) => [e.outcome, e.target.name])
          .sort(),
      ).toEqual(
        [
          ['denied', `${p}mv`],
          ['succeeded', `${p}br`],
        ].sort(),
      );
    });
  });

  describe('address pools', () => {
    it('keeps non-admin keys inside NETWORK_POOLS (IPv4 and IPv6, REST and GraphQL)', async () => {
      const operator = t.as(keys.operator);
      const outside = await operator
        .post('/api/v1/networks')
        .send({ name: `${p}public4`, ipam: { config: [{ subnet: '198.51.100.0/24' }] } });
      expect(restRule(outside)).toEqual([403, 'POLICY_VIOLATION', 'network-pools']);
      expect(outside.body.detail).toContain('198.51.100.0/24');
      const gql = await t.gql(
        `mutation { createNetwork(input: { name: "${p}public6", enableIPv6: true, ipam: { config: [{ subnet: "10.219.3.0/24" }, { subnet: "2001:db8:219::/64" }] } }) { id } }`,
        undefined,
        keys.operator,
      );
      expect(gqlRule(gql)).toEqual([403, 'POLICY_VIOLATION', 'network-pools']);
      expect(await engineHasNetwork(`${p}public4`)).toBe(false);
      expect(await engineHasNetwork(`${p}public6`)).toBe(false);
      // Inside the pools, and without a subnet (the engine's own pools): allowed.
      await operator
        .post('/api/v1/networks')
        .send({
          name: `${p}private`,
          ipam: { config: [{ subnet: '10.219.4.0/24', ipRange: '10.219.4.128/25' }] },
        })
        .expect(201);
      await operator
        .post('/api/v1/networks')
        .send({ name: `${p}auto` })
        .expect(201);
      expect((await inspectNetwork(`${p}private`)).IPAM?.Config?.[0]?.Subnet).toBe('10.219.4.0/24');
    });

    it('lets an admin go outside, and the audit entry says so', async () => {
      await t.http
        .post('/api/v1/networks')
        .send({ name: `${p}admin-public`, ipam: { config: [{ subnet: '198.51.100.0/24' }] } })
        .expect(201);
      expect((await inspectNetwork(`${p}admin-public`)).IPAM?.Config?.[0]?.Subnet).toBe('198.51.100.0/24');
      const entries = (
        (
          await t.http
            .get('/api/v1/audit-logs')
            .query({ action: 'network.create', target: `${p}admin-public` })
            .expect(200)
        ).body as { items: AuditItem[] }
      ).items;
      const outcome = entries.find((e) => e.phase === 'outcome');
      expect(outcome?.outcome).toBe('succeeded');
      expect(outcome?.detail).toContain('outside NETWORK_POOLS');
      expect(outcome?.detail).toContain('198.51.100.0/24');
      await t.http.delete(`/api/v1/networks/${p}admin-public`).expect(204);
    });
  });

  describe('keys make keys of at most their own power', () => {
    it('a scoped admin mints only keys within its scope (REST and GraphQL)', async () => {
      const scoped = t.as(keys['admin-a']);
      const refused = [
        await scoped.post('/api/v1/api-keys').send({ name: `${p}unscoped-admin`, role: 'admin' }),
        await scoped
          .post('/api/v1/api-keys')
          .send({ name: `${p}other-scope`, role: 'viewer', scope: { team: `b-${p}` } }),
        await scoped
          .post('/api/v1/api-keys')
          .send({ name: `${p}side-scope`, role: 'operator', scope: { tenant: `b-${p}` } }),
      ];
      expect(refused.map((r) => [r.status, r.body.code])).toEqual(refused.map(() => [403, 'FORBIDDEN']));
      expect(refused[0].body.detail).toContain(`team=a-${p}`);
      const gql = await t.gql(
        `mutation { createApiKey(input: { name: "${p}gql-unscoped", role: "operator" }) { key } }`,
        undefined,
        keys['admin-a'],
      );
      expect(gqlRule(gql).slice(0, 2)).toEqual([403, 'FORBIDDEN']);
      const narrower = await scoped
        .post('/api/v1/api-keys')
        .send({ name: `${p}narrower`, role: 'operator', scope: { team: `a-${p}`, env: 'dev' } })
        .expect(201);
      expect(narrower.body.scope).toEqual({ team: `a-${p}`, env: 'dev' });
      const names = (
        (await t.http.get('/api/v1/api-keys').expect(200)).body as { items: Array<{ name: string }> }
      ).items.map((k) => k.name);
      expect(names).toContain(`${p}narrower`);
      for (const name of ['unscoped-admin', 'other-scope', 'side-scope', 'gql-unscoped'])
        expect(names).not.toContain(`${p}${name}`);
    });

    it('a scoped admin lists and revokes only keys within its scope', async () => {
      const scoped = t.as(keys['admin-a']);
      const listed = (
        (await scoped.get('/api/v1/api-keys').expect(200)).body as { items: Array<{ name: string }> }
      ).items.map((k) => k.name);
      expect(listed).toEqual(expect.arrayContaining([`${p}team-a`, `${p}admin-a`]));
      expect(listed).not.toContain('bootstrap-admin');
      expect(listed).not.toContain(`${p}operator`);
      expect(listed).not.toContain(`${p}tenant-b`);
      const gqlListed = await t.gql('{ apiKeys { name } }', undefined, keys['admin-a']).expect(200);
      expect(gqlListed.body.data.apiKeys.map((k: { name: string }) => k.name)).toEqual(listed);
      // Another scope's key is not there for it: 404 as for a missing one, and it keeps working.
      const revoke = await scoped.delete(`/api/v1/api-keys/${ids.operator}`);
      expect([revoke.status, revoke.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
      const gqlRevoke = await t.gql(
        `mutation { revokeApiKey(id: "${ids['tenant-b']}") }`,
        undefined,
        keys['admin-a'],
      );
      expect(gqlRule(gqlRevoke).slice(0, 2)).toEqual([404, 'API_KEY_NOT_FOUND']);
      await t.as(keys.operator).get('/api/v1/networks').expect(200);
      await t.as(keys['tenant-b']).get('/api/v1/networks').expect(200);
      // Its own scope's keys it may revoke.
      const doomed = await scoped
        .post('/api/v1/api-keys')
        .send({ name: `${p}doomed`, role: 'viewer', scope: { team: `a-${p}` } })
        .expect(201);
      await scoped.delete(`/api/v1/api-keys/${doomed.body.id}`).expect(204);
      await t.as(doomed.body.key).get('/api/v1/networks').expect(401);
    });
  });

  describe('scope labels', () => {
    it('a scoped key cannot label a resource into another scope (REST and GraphQL)', async () => {
      const a = t.as(keys['team-a']);
      const network = await a.post('/api/v1/networks').send({
        name: `${p}a-sneak`,
        labels: { tenant: `b-${p}` },
        ipam: { config: [{ subnet: '10.219.5.0/24' }] },
      });
      expect([network.status, network.body.code, network.body.context?.label]).toEqual([
        403,
        'FORBIDDEN',
        'tenant',
      ]);
      const run = await t.gql(
        'mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }',
        {
          i: {
            name: `${p}a-sneak-box`,
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            labels: { tenant: `b-${p}` },
          },
        },
        keys['team-a'],
      );
      expect(gqlRule(run).slice(0, 2)).toEqual([403, 'FORBIDDEN']);
      expect(await engineHasNetwork(`${p}a-sneak`)).toBe(false);
      expect(await engineHasContainer(`${p}a-sneak-box`)).toBe(false);
      const seen = (
        (await t.as(keys['tenant-b']).get('/api/v1/networks').expect(200)).body as {
          items: Array<{ name: string }>;
        }
      ).items.map((n) => n.name);
      expect(seen).not.toContain(`${p}a-sneak`);
      // Labels no key scopes by stay free, and the key's own scope label with its own value.
      await a
        .post('/api/v1/networks')
        .send({
          name: `${p}a-free`,
          labels: { color: 'blue', team: `a-${p}` },
          ipam: { config: [{ subnet: '10.219.6.0/24' }] },
        })
        .expect(201);
      expect((await inspectNetwork(`${p}a-free`)).Labels).toMatchObject({ color: 'blue', team: `a-${p}` });
    });
  });
});
