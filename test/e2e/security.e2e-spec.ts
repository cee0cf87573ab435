import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { ACCESS_KEY } from '../../src/auth/access.decorators';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, NOPING_IMAGE, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn, inspectNetwork } from '../support/engine';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';
import { sleep, waitFor } from '../support/wait';

const engineHasContainer = async (name: string) =>
  (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));
const engineHasNetwork = async (name: string) => (await docker.listNetworks()).some((n) => n.Name === name);

// Subnets of this file: 10.208.0.0/16.
describe('security: keys, roles, scope and policy', () => {
  const p = runPrefix('sec');
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  let t: TestApp;
  const keys: Record<string, string> = {};

  const createKey = async (name: string, role: string, extra: Record<string, unknown> = {}) => {
    const res = await t.http
      .post('/api/v1/api-keys')
      .send({ name: `${p}${name}`, role, ...extra })
      .expect(201);
    expect(res.body.key).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
    return res.body as { id: string; key: string; scope: Record<string, string> };
  };

  beforeAll(async () => {
    t = await startApp({ LOG_LEVEL: 'info' }, { logStream: sink });
    keys.viewer = (await createKey('viewer', 'viewer')).key;
    keys.operator = (await createKey('operator', 'operator')).key;
    keys.teamA = (await createKey('team-a', 'operator', { scope: { team: `a-${p}` } })).key;
    await t.http
      .post('/api/v1/networks')
      .send({
        name: `${p}shared`,
        labels: { team: `b-${p}` },
        ipam: { config: [{ subnet: '10.208.1.0/24' }] },
      })
      .expect(201);
    await t.http
      .post('/api/v1/containers')
      .send({
        name: `${p}b-box`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { team: `b-${p}`, [TEST_LABEL]: p },
      })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  describe('authentication', () => {
    it('guards every REST route except /health, and says how to authenticate', async () => {
      const doc = (await t.anon.get('/api/openapi.json').expect(200)).body as {
        paths: Record<string, Record<string, unknown>>;
      };
      const checked: string[] = [];
      const problems: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const method of Object.keys(methods)) {
          const url = path.replace(/\{[^}]+\}/g, 'x');
          const res = await (
            t.anon as unknown as Record<
              string,
              (u: string) => Promise<{ status: number; body: { code: string } }>
            >
          )[method](url);
          // /health/* answers anyone; everything else refuses a request without a key.
          const wrong = path.startsWith('/health/')
            ? res.status === 401
            : res.status !== 401 || res.body.code !== 'UNAUTHENTICATED';
          if (wrong) problems.push(`${method} ${path}: ${res.status} ${res.body.code}`);
          checked.push(`${method} ${path}`);
        }
      }
      expect(problems).toEqual([]);
      expect(checked.length).toBeGreaterThan(20);
      expect(checked).toEqual(expect.arrayContaining(['get /health/live', 'get /api/v1/networks']));
      const res = await t.anon.get('/api/v1/networks').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.detail).toContain('Authorization: Bearer');
    });

    it('guards every GraphQL operation', async () => {
      const schema = t.app.get(GraphQLSchemaHost).schema;
      const operations = [
        ...Object.keys(schema.getQueryType()?.getFields() ?? {}).map((f) => ['query', f]),
        ...Object.keys(schema.getMutationType()?.getFields() ?? {}).map((f) => ['mutation', f]),
      ];
      expect(operations.length).toBeGreaterThan(20);
      let unauthenticated = 0;
      const problems: string[] = [];
      for (const [kind, field] of operations) {
        const type = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
        const def = type.getFields()[field];
        // Arguments with dummy values of the right type, selections of __typename only.
        const args = def.args
          .filter((a) => String(a.type).endsWith('!'))
          .map(
            (a) =>
              `${a.name}: ${String(a.type).startsWith('String') || String(a.type).startsWith('ID') ? '"x"' : '{}'}`,
          );
        const call = `${field}${args.length ? `(${args.join(', ')})` : ''}`;
        const scalar = /^(Boolean|String|Int)/.test(String(def.type).replace(/[[\]!]/g, ''));
        const res = await t.gql(`${kind} { ${call} ${scalar ? '' : '{ __typename }'} }`, undefined, null);
        const codes = (res.body.errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
        // Inputs with required fields fail GraphQL validation before any resolver: also refused.
        if (!codes.includes('UNAUTHENTICATED') && !codes.includes('GRAPHQL_VALIDATION_FAILED'))
          problems.push(`${field}: not refused (${codes.join(', ') || 'no error'})`);
        if ((res.body.data?.[field] ?? null) !== null) problems.push(`${field}: answered data`);
        if (codes.includes('UNAUTHENTICATED')) unauthenticated++;
      }
      expect(problems).toEqual([]);
      // Most operations get through GraphQL's own validation with dummy arguments and reach the
      // guard; the metadata test below covers every one of them.
      expect(unauthenticated).toBeGreaterThan(operations.length / 2);
    });

    it('declares an access rule on every route and resolver (fails when a new one forgets)', () => {
      const modules = [...t.app.get(ModulesContainer).values()];
      const scanner = new MetadataScanner();
      const reflector = t.app.get(Reflector);
      const missing: string[] = [];
      let handlers = 0;
      const wrappers = modules.flatMap((m) => [
        ...m.controllers.values(),
        ...[...m.providers.values()].filter(
          (w) => typeof w.metatype === 'function' && /Resolver$/.test(w.metatype.name),
        ),
      ]);
      for (const wrapper of wrappers) {
        const instance = wrapper.instance as object | undefined;
        if (!instance) continue;
        const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
        for (const method of scanner.getAllMethodNames(prototype)) {
          const handler = prototype[method] as () => unknown;
          const isRoute = Reflect.getMetadata('path', handler) !== undefined;
          const isGraphql = Reflect.getMetadata('graphql:resolver_type', handler) !== undefined;
          if (!isRoute && !isGraphql) continue;
          handlers++;
          const access = reflector.getAllAndOverride<string | undefined>(ACCESS_KEY, [
            handler,
            wrapper.metatype as () => unknown,
          ]);
          if (!access) missing.push(`${wrapper.name}.${method}`);
        }
      }
      expect(missing).toEqual([]);
      expect(handlers).toBeGreaterThan(40);
    });

    it('refuses unknown, revoked and expired keys with UNAUTHENTICATED on both transports', async () => {
      const bogus = await t.as('sy_not-a-real-key').get('/api/v1/networks').expect(401);
      expect(bogus.body.code).toBe('UNAUTHENTICATED');

      const doomed = await createKey('doomed', 'viewer');
      await t.as(doomed.key).get('/api/v1/networks').expect(200);
      await t.http.delete(`/api/v1/api-keys/${doomed.id}`).expect(204);
      const revoked = await t.as(doomed.key).get('/api/v1/networks').expect(401);
      expect(revoked.body.detail).toContain('revoked');
      const revokedGql = await t.gql('{ networks { name } }', undefined, doomed.key).expect(401);
      expect(revokedGql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

      // The passing of time is the subject: a key valid for a while (far longer than one request
      // takes, even on a loaded machine), then used again once that time is surely over.
      const expiresAt = Date.now() + 10_000;
      const brief = await createKey('brief', 'viewer', { expiresAt: new Date(expiresAt).toISOString() });
      await t.as(brief.key).get('/api/v1/networks').expect(200);
      await sleep(Math.max(0, expiresAt - Date.now()) + 100);
      const expired = await t.as(brief.key).get('/api/v1/networks').expect(401);
      expect(expired.body.detail).toContain('expired');

      const past = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}past`, role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' })
        .expect(400);
      expect(past.body.errors[0].field).toBe('expiresAt');
    });

    it('manages keys over REST and GraphQL, admins only, showing a key only once', async () => {
      const list = await t.http.get('/api/v1/api-keys').expect(200);
      const names = list.body.items.map((k: { name: string }) => k.name);
      expect(names).toEqual(expect.arrayContaining(['bootstrap-admin', `${p}viewer`, `${p}team-a`]));
      expect(JSON.stringify(list.body)).not.toMatch(/"key"|keyHash|sy_[A-Za-z0-9_-]{43}/);
      const teamA = list.body.items.find((k: { name: string }) => k.name === `${p}team-a`);
      expect(teamA).toMatchObject({
        role: 'operator',
        scope: { team: `a-${p}` },
        createdBy: 'bootstrap-admin',
      });
      expect(teamA.keyPrefix).toMatch(/^sy_.{4}\.\.\.$/);
      const dup = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}viewer`, role: 'viewer' })
        .expect(409);
      expect(dup.body.code).toBe('API_KEY_NAME_TAKEN');
      const badRole = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}x`, role: 'root' })
        .expect(400);
      expect(badRole.body.code).toBe('VALIDATION_FAILED');
      await t.http.delete('/api/v1/api-keys/not-a-uuid').expect(400);
      const missing = await t.http
        .delete('/api/v1/api-keys/00000000-0000-4000-8000-000000000000')
        .expect(404);
      expect(missing.body.code).toBe('API_KEY_NOT_FOUND');
      for (const role of ['viewer', 'operator']) {
        const res = await t.as(keys[role]).get('/api/v1/api-keys').expect(403);
        expect(res.body.code).toBe('FORBIDDEN');
      }

      const created = await t
        .gql(`mutation { createApiKey(input: { name: "${p}gql", role: "viewer" }) { id name role key } }`)
        .expect(200);
      expect(created.body.data.createApiKey.key).toMatch(/^sy_/);
      const listed = await t.gql('{ apiKeys { name role revokedAt } }').expect(200);
      expect(listed.body.data.apiKeys.map((k: { name: string }) => k.name)).toContain(`${p}gql`);
      const revoked = await t
        .gql(`mutation { revokeApiKey(id: "${created.body.data.createApiKey.id}") }`)
        .expect(200);
      expect(revoked.body.data.revokeApiKey).toBe(true);
      const denied = await t.gql('{ apiKeys { name } }', undefined, keys.operator).expect(200);
      expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  describe('roles', () => {
    it('viewer reads, but changes nothing', async () => {
      const viewer = t.as(keys.viewer);
      await viewer.get('/api/v1/networks').expect(200);
      await viewer.get('/api/v1/containers').expect(200);
      await viewer.get(`/api/v1/containers/${p}b-box`).expect(200);
      await viewer.get(`/api/v1/containers/${p}b-box/logs`).expect(200);
      const refused = [
        // Ping runs a command in the source container: operator work.
        await viewer.post('/api/v1/connectivity/ping').send({ from: `${p}b-box`, to: '127.0.0.1', count: 1 }),
        await viewer.post('/api/v1/networks').send({ name: `${p}by-viewer` }),
        await viewer.post('/api/v1/containers').send({ name: `${p}by-viewer`, image: TEST_IMAGE }),
        await viewer.post(`/api/v1/containers/${p}b-box/exec`).send({ command: ['true'] }),
        await viewer.post(`/api/v1/containers/${p}b-box/stop`),
        await viewer.delete(`/api/v1/networks/${p}shared`),
      ];
      expect(refused.map((res) => [res.status, res.body.code, res.body.detail])).toEqual(
        refused.map(() => [403, 'FORBIDDEN', expect.stringContaining('operator')]),
      );
      const gql = await t
        .gql(`mutation { createNetwork(input: { name: "${p}by-viewer" }) { id } }`, undefined, keys.viewer)
        .expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(await engineHasNetwork(`${p}by-viewer`)).toBe(false);
      expect(await engineHasContainer(`${p}by-viewer`)).toBe(false);
      expect((await docker.getContainer(`${p}b-box`).inspect()).State.Running).toBe(true);
    });

    it('operator creates, runs, execs and removes what Switchyard made', async () => {
      const operator = t.as(keys.operator);
      await operator
        .post('/api/v1/networks')
        .send({ name: `${p}op-net`, ipam: { config: [{ subnet: '10.208.2.0/24' }] } })
        .expect(201);
      await operator
        .post('/api/v1/containers')
        .send({
          name: `${p}op-box`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          networks: [{ network: `${p}op-net` }],
        })
        .expect(201);
      const exec = await operator
        .post(`/api/v1/containers/${p}op-box/exec`)
        .send({ command: ['echo', 'hi'] })
        .expect(200);
      expect(exec.body.stdout).toBe('hi\n');
      await operator.delete(`/api/v1/containers/${p}op-box?force=true`).expect(204);
      await operator.delete(`/api/v1/networks/${p}op-net`).expect(204);
      expect(await engineHasContainer(`${p}op-box`)).toBe(false);
    });

    it('host networking and macvlan/ipvlan parents are for admin keys only', async () => {
      const operator = t.as(keys.operator);
      const host = await operator
        .post('/api/v1/containers')
        .send({ name: `${p}op-host`, image: TEST_IMAGE, networkMode: 'host' })
        .expect(403);
      expect(host.body).toMatchObject({ code: 'POLICY_VIOLATION', context: { rule: 'host-network' } });
      const macvlan = await operator
        .post('/api/v1/networks')
        .send({ name: `${p}op-mv`, driver: 'macvlan', options: { parent: MACVLAN_PARENTS.security } })
        .expect(403);
      expect(macvlan.body).toMatchObject({ code: 'POLICY_VIOLATION', context: { rule: 'parent-interface' } });
      expect(await engineHasContainer(`${p}op-host`)).toBe(false);
      expect(await engineHasNetwork(`${p}op-mv`)).toBe(false);
      await t.http
        .post('/api/v1/networks')
        .send({
          name: `${p}admin-mv`,
          driver: 'macvlan',
          options: { parent: MACVLAN_PARENTS.security },
          ipam: { config: [{ subnet: '10.208.9.0/24' }] },
        })
        .expect(201);
      await t.http
        .post('/api/v1/containers')
        .send({ name: `${p}admin-host`, image: TEST_IMAGE, command: ['sleep', '60'], networkMode: 'host' })
        .expect(201);
      const mv = await inspectNetwork(`${p}admin-mv`);
      expect([mv.Driver, mv.Options?.parent]).toEqual(['macvlan', MACVLAN_PARENTS.security]);
      expect((await docker.getContainer(`${p}admin-host`).inspect()).HostConfig.NetworkMode).toBe('host');
      // The parent is shared with another test file: give it back now.
      await t.http.delete(`/api/v1/containers/${p}admin-host?force=true`).expect(204);
      await t.http.delete(`/api/v1/networks/${p}admin-mv`).expect(204);
    });

    it('changing what Switchyard did not create needs an admin key', async () => {
      await docker.createNetwork({ Name: `${p}foreign`, Labels: { [TEST_LABEL]: p } });
      const res = await t.as(keys.operator).delete(`/api/v1/networks/${p}foreign`).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(res.body.detail).toContain('not created by Switchyard');
      expect(await engineHasNetwork(`${p}foreign`)).toBe(true);
      const prune = await t.as(keys.operator).post('/api/v1/networks/prune').send({ all: true }).expect(403);
      expect(prune.body.code).toBe('FORBIDDEN');
      expect(await engineHasNetwork(`${p}foreign`)).toBe(true);
      await t.http.delete(`/api/v1/networks/${p}foreign`).expect(204);
      expect(await engineHasNetwork(`${p}foreign`)).toBe(false);
    });
  });

  describe('scope by label', () => {
    // Read-only fixture: a network and a container of team a, made with the team-a key.
    beforeAll(async () => {
      const a = t.as(keys.teamA);
      await a
        .post('/api/v1/networks')
        .send({ name: `${p}a-net`, ipam: { config: [{ subnet: '10.208.3.0/24' }] } })
        .expect(201);
      await a
        .post('/api/v1/containers')
        .send({
          name: `${p}a-box`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          networks: [{ network: `${p}a-net` }],
          labels: { [TEST_LABEL]: p },
        })
        .expect(201);
    });

    it('what a scoped key creates carries its labels, and it sees only those (and the built-ins)', async () => {
      // A scope of the test's own, so that what the key sees is exactly what the test made.
      const c = t.as((await createKey('team-c', 'operator', { scope: { team: `c-${p}` } })).key);
      const net = await c
        .post('/api/v1/networks')
        .send({ name: `${p}c-net`, ipam: { config: [{ subnet: '10.208.4.0/24' }] } })
        .expect(201);
      expect(net.body.labels.team).toBe(`c-${p}`);
      expect((await inspectNetwork(`${p}c-net`)).Labels?.team).toBe(`c-${p}`);
      const box = await c
        .post('/api/v1/containers')
        .send({
          name: `${p}c-box`,
          image: TEST_IMAGE,
          command: ['sleep', '3600'],
          networks: [{ network: `${p}c-net` }],
          labels: { [TEST_LABEL]: p },
        })
        .expect(201);
      expect(box.body.labels.team).toBe(`c-${p}`);
      expect((await docker.getContainer(`${p}c-box`).inspect()).Config.Labels.team).toBe(`c-${p}`);

      const networks = (await c.get('/api/v1/networks').expect(200)).body.items.map(
        (n: { name: string }) => n.name,
      );
      expect(networks).toContain(`${p}c-net`);
      expect(networks).toContain('bridge');
      expect(networks).not.toContain(`${p}shared`);
      expect(networks).not.toContain(`${p}a-net`);
      const containers = (await c.get('/api/v1/containers?all=true').expect(200)).body.items.map(
        (c: { name: string }) => c.name,
      );
      expect(containers).toEqual([`${p}c-box`]);
    });

    it('answers everything outside the scope like a missing one (404), on both transports', async () => {
      const a = t.as(keys.teamA);
      const refused = [
        await a.get(`/api/v1/networks/${p}shared`),
        await a.get(`/api/v1/containers/${p}b-box`),
        await a.post(`/api/v1/containers/${p}b-box/exec`).send({ command: ['true'] }),
        await a.post('/api/v1/connectivity/ping').send({ from: `${p}b-box`, to: '127.0.0.1' }),
        await a.post('/api/v1/connectivity/ping').send({ from: `${p}a-box`, to: `${p}b-box` }),
        await a.post(`/api/v1/networks/${p}shared/connections`).send({ container: `${p}a-box` }),
        await a
          .post('/api/v1/containers')
          .send({ name: `${p}a-sneak`, image: TEST_IMAGE, networks: [{ network: `${p}shared` }] }),
      ];
      const container = [404, 'CONTAINER_NOT_FOUND'];
      const network = [404, 'NETWORK_NOT_FOUND'];
      expect(refused.map((res) => [res.status, res.body.code])).toEqual([
        network,
        container,
        container,
        container,
        container,
        network,
        network,
      ]);
      // Labelling a resource into another scope is a refusal of its own.
      const other = await a
        .post('/api/v1/networks')
        .send({ name: `${p}a-other`, labels: { team: `b-${p}` } });
      expect([other.status, other.body.code]).toEqual([403, 'FORBIDDEN']);
      const gql = await t.gql(`{ container(ref: "${p}b-box") { id } }`, undefined, keys.teamA).expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('CONTAINER_NOT_FOUND');
      expect(await engineHasContainer(`${p}a-sneak`)).toBe(false);
      expect(await engineHasNetwork(`${p}a-other`)).toBe(false);
      const inScope = await a
        .post('/api/v1/connectivity/ping')
        .send({ from: `${p}a-box`, to: '127.0.0.1', count: 1 })
        .expect(200);
      expect(inScope.body.reachable).toBe(true);
    });
  });

  describe('container policy', () => {
    const forbidden: Array<[string, Record<string, unknown>]> = [
      ['privileged', { privileged: true }],
      ['host-mounts', { binds: ['/:/host'] }],
      ['host-mounts', { hostConfig: { Binds: ['/etc:/etc'] } }],
      ['host-mounts', { mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] }],
      ['host-mounts', { volumes: { '/data': {} } }],
      ['volumes-from', { volumesFrom: ['other'] }],
      ['devices', { devices: [{ PathOnHost: '/dev/sda' }] }],
      ['capabilities', { capAdd: ['SYS_ADMIN'] }],
      ['host-namespaces', { pidMode: 'host' }],
      ['host-namespaces', { ipcMode: 'host' }],
      ['host-namespaces', { utsMode: 'host' }],
      ['host-namespaces', { usernsMode: 'host' }],
      ['sysctls', { sysctls: { 'net.ipv4.ip_forward': '1' } }],
      ['security-options', { securityOpt: ['seccomp=unconfined'] }],
      ['cgroup-parent', { cgroupParent: '/' }],
    ];

    it.each(forbidden)(
      'refuses %s with POLICY_VIOLATION before the engine, even for admins (%j)',
      async (rule, extra) => {
        const name = `${p}pol-${rule}`;
        const res = await t.http
          .post('/api/v1/containers')
          .send({ name, image: TEST_IMAGE, command: ['sleep', '60'], ...extra })
          .expect(403);
        expect(res.body.code).toBe('POLICY_VIOLATION');
        expect(res.body.context.rules).toContain(rule);
        expect(res.body.detail).toContain(rule);
        expect(await engineHasContainer(name)).toBe(false);
      },
    );

    it('refuses the same over GraphQL', async () => {
      for (const [rule, field] of [
        ['privileged', 'privileged: true'],
        ['host-mounts', 'binds: ["/:/host"]'],
        ['capabilities', 'capAdd: ["NET_ADMIN"]'],
        ['host-namespaces', 'pidMode: "host"'],
      ]) {
        const res = await t.gql(
          `mutation { runContainer(input: { name: "${p}gpol", image: "${TEST_IMAGE}", ${field} }) { id } }`,
        );
        expect(res.body.errors[0].extensions.code).toBe('POLICY_VIOLATION');
        expect(res.body.errors[0].extensions.context.rules).toEqual([rule]);
      }
      expect(await engineHasContainer(`${p}gpol`)).toBe(false);
    });
  });

  describe('limits', () => {
    it('refuses GraphQL depth, alias and cost bombs, and batched operations', async () => {
      const deep = await t.gql('{ networks { ipam { config { subnet } } containers { name } } } ');
      expect(deep.body.errors).toBeUndefined();
      const bomb = `{ a: networks { name } ${Array.from({ length: 30 }, (_, i) => `n${i}: networks { name }`).join(' ')} }`;
      const aliases = await t.gql(bomb).expect(400);
      expect(aliases.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toContain(
        'QUERY_TOO_COMPLEX',
      );
      const fragments =
        'fragment C on IpamConfig { subnet } fragment I on Ipam { config { ...C } } fragment N on Network { ipam { ...I } } ' +
        '{ networks { ...N } }';
      expect((await t.gql(fragments)).body.errors).toBeUndefined();
      const fields =
        'id name image command state status createdAt startedAt finishedAt exitCode labels hostname networkMode ' +
        'restartPolicy { name maximumRetryCount } networks { network networkId ipv4Address ipv6Address macAddress aliases }';
      const runs = Array.from(
        { length: 15 },
        (_, i) =>
          `r${i}: runContainer(input: { image: "${TEST_IMAGE}", name: "${p}cost${i}" }) { ${fields} }`,
      );
      const cost = await t.gql(`mutation { ${runs.join(' ')} }`).expect(400);
      expect(cost.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(cost.body.errors[0].message).toContain('costs');
      expect(await engineHasContainer(`${p}cost0`)).toBe(false);
      const batch = await t.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .send([{ query: '{ networks { name } }' }, { query: '{ networks { name } }' }]);
      expect(batch.status).toBe(400);
      expect(JSON.stringify(batch.body)).not.toContain('"networks"');
    });

    it('refuses a 10 MB body with PAYLOAD_TOO_LARGE', async () => {
      const res = await t.http
        .post('/api/v1/containers')
        .set('content-type', 'application/json')
        .send(
          JSON.stringify({ name: `${p}big`, image: TEST_IMAGE, env: { BLOB: 'x'.repeat(10 * 1024 * 1024) } }),
        )
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await engineHasContainer(`${p}big`)).toBe(false);
    });

    it('keeps secrets out of logs and error answers', async () => {
      const secret = `s3cr3t-${p}`;
      const bad = await t.http
        .post('/api/v1/containers')
        .send({ name: `${p}leaky`, image: TEST_IMAGE, env: { PASSWORD: secret, 'NOT VALID': secret } })
        .expect(400);
      expect(JSON.stringify(bad.body)).not.toContain(secret);
      const engineSide = await t.http
        .post('/api/v1/containers')
        .send({
          name: `${p}leaky2`,
          image: TEST_IMAGE,
          command: ['no-such-program'],
          env: { PASSWORD: secret },
        })
        .expect(422);
      expect(JSON.stringify(engineSide.body)).not.toContain(secret);
      const created = await createKey('logged', 'viewer');
      await t.as(created.key).get('/api/v1/networks').set('x-request-id', `${p}logged`).expect(200);
      // Every request before it has been logged once the line of this one is there.
      const logs = await waitFor(() => lines.join('').includes(`${p}logged`) && lines.join(''), {
        what: 'the log line of the last request',
      });
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(created.key);
      expect(logs).not.toContain(TEST_ADMIN_KEY);
      expect(logs).toContain('[redacted]');
    });
  });
});

describe('rate limits and CORS', () => {
  const p = runPrefix('limits');
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startApp({
      RATE_LIMIT_PER_SECOND: 1,
      RATE_LIMIT_BURST: 4,
      CORS_ORIGINS: 'https://portal.example.com',
    });
    // A key whose budget only the rate test spends (the admin key's is spent on this request).
    key = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}rate`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('limits the rate per key on REST and GraphQL, with Retry-After and rate headers', async () => {
    const first = await t.gql('{ networks { name } }', undefined, key).expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('4');
    expect(first.headers['x-ratelimit-remaining']).toBe('3');
    // Three tokens left and one more a second: of 20 requests of each transport sent at once, most
    // are refused even if the machine takes seconds to take them in.
    const burst = await Promise.all([
      ...Array.from({ length: 20 }, () => t.as(key).get('/api/v1/networks')),
      ...Array.from({ length: 20 }, () => t.gql('{ networks { name } }', undefined, key)),
    ]);
    const rest = burst.slice(0, 20);
    const gql = burst.slice(20);
    expect(burst.filter((r) => r.status !== 200 && r.status !== 429).map((r) => r.status)).toEqual([]);
    expect(rest.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    expect(gql.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.map((r) => r.body.code ?? r.body.errors?.[0]?.extensions?.code)).toEqual(
      limited.map(() => 'RATE_LIMITED'),
    );
    expect(limited.map((r) => Number(r.headers['retry-after']) >= 1)).toEqual(limited.map(() => true));
    // Another key has its own budget; health is never limited.
    await t.http.get('/api/v1/networks').expect(200);
    await t.anon.get('/health/live').expect(200);
    // The refill is the subject: a token a second, so after a second the key may send again (a
    // slow machine only leaves more tokens).
    await sleep(1100);
    await t.as(key).get('/api/v1/networks').expect(200);
  });

  it('slows down key guessing: wrong keys use up the budget of the client address, then get 429', async () => {
    // Four tokens for the address and one more a second: of 16 guesses sent at once, four (and one
    // more for every second the machine takes to take them in) are told the key is wrong, the
    // rest are refused.
    const statuses = (
      await Promise.all(Array.from({ length: 16 }, (_, i) => t.as(`sy_guess_${i}`).get('/api/v1/networks')))
    ).map((r) => r.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const allowed = await t.anon
      .options('/api/v1/networks')
      .set('origin', 'https://portal.example.com')
      .set('access-control-request-method', 'GET')
      .set('access-control-request-headers', 'authorization');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example.com');
    const other = await t.anon
      .options('/api/v1/networks')
      .set('origin', 'https://evil.example.com')
      .set('access-control-request-method', 'GET');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('in-flight cap per key', () => {
  const p = runPrefix('inflight');
  let t: TestApp;

  beforeAll(async () => {
    // The held exec below ends when the test lets it go, not by a timeout.
    t = await startApp({
      MAX_IN_FLIGHT_PER_KEY: 1,
      GRAPHQL_MAX_DEPTH: 3,
      EXEC_TIMEOUT_MS: 120_000,
      EXEC_MAX_TIMEOUT_MS: 120_000,
    });
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}slow`, image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p } })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('refuses GraphQL documents nested deeper than GRAPHQL_MAX_DEPTH, through fragments too', async () => {
    expect((await t.gql('{ networks { ipam { driver } } }').expect(200)).body.errors).toBeUndefined();
    const deep = await t.gql('{ networks { ipam { config { subnet } } } }').expect(400);
    expect(deep.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(deep.body.errors[0].message).toContain('4 levels');
    const viaFragment = await t
      .gql('fragment F on Ipam { config { subnet } } { networks { ipam { ...F } } }')
      .expect(400);
    expect(viaFragment.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('answers 429 while the key already has its maximum of requests in progress', async () => {
    // An exec that marks that it runs, then waits until the test lets it go: while it runs, the
    // request that started it is surely in progress.
    const held = t.http
      .post(`/api/v1/containers/${p}slow/exec`)
      .send({
        command: [
          'sh',
          '-c',
          'echo > /tmp/held; while ! test -e /tmp/release; do sleep 0.1; done; echo done',
        ],
      })
      .then((r) => r);
    try {
      await waitFor(async () => (await execIn(`${p}slow`, ['test', '-e', '/tmp/held'])).exitCode === 0, {
        what: 'the held exec to run',
      });
      const second = await t.http.get('/api/v1/networks').expect(429);
      expect(second.body.code).toBe('RATE_LIMITED');
      expect(second.body.detail).toContain('in progress');
    } finally {
      await execIn(`${p}slow`, ['sh', '-c', 'echo > /tmp/release']);
    }
    const done = await held;
    expect([done.status, done.body.stdout]).toEqual([200, 'done\n']);
    // The slot is given back when the answer has gone out.
    await waitFor(async () => (await t.http.get('/api/v1/networks')).status === 200, {
      what: 'the key to be free again',
    });
  });
});

describe('GraphQL configuration: introspection off, safelist, subscriptions', () => {
  let t: TestApp;
  let port: number;
  const allowed = '{ networks { name } }';

  let dir: string | undefined;

  beforeAll(async () => {
    const folder = runTempDir('safelist-');
    dir = folder;
    const file = join(folder, 'safelist.json');
    writeFileSync(file, JSON.stringify([allowed]));
    t = await startApp({ GRAPHQL_INTROSPECTION: false, GRAPHQL_SAFELIST_PATH: file });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs only documents on the safelist, however they are spaced', async () => {
    const ok = await t.gql('{\n  networks {\n    name\n  }\n}').expect(200);
    expect(ok.body.data.networks.length).toBeGreaterThan(0);
    const other = await t.gql('{ networks { id } }');
    expect(other.status).toBe(403);
    expect(other.body.errors[0].extensions.code).toBe('QUERY_NOT_ALLOWED');
  });

  it('refuses introspection when it is turned off', async () => {
    const res = await t.gql('{ __schema { types { name } } }');
    expect(res.body.data?.__schema).toBeUndefined();
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  const connect = (params: Record<string, unknown> | null) =>
    new Promise<{ acked: boolean; closeCode?: number }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', ...(params ? { payload: params } : {}) })),
      );
      ws.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') {
          ws.close();
          resolve({ acked: true });
        }
      });
      ws.on('close', (code) => resolve({ acked: false, closeCode: code }));
    });

  it('accepts graphql-ws connections only with a valid key in the connection params', async () => {
    expect(await connect({ authorization: `Bearer ${TEST_ADMIN_KEY}` })).toEqual({ acked: true });
    expect(await connect(null)).toEqual({ acked: false, closeCode: 4403 });
    expect(await connect({ authorization: 'Bearer sy_wrong' })).toEqual({ acked: false, closeCode: 4403 });
  });
});

describe('image allowlist', () => {
  const p = runPrefix('allow');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ IMAGE_ALLOWLIST: 'switchyard/busybox:*, registry.example.com/team/**' });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('runs allowed images and refuses others with POLICY_VIOLATION', async () => {
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}ok`, image: TEST_IMAGE, command: ['sleep', '60'] })
      .expect(201);
    expect(await engineHasContainer(`${p}ok`)).toBe(true);
    const res = await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}no`, image: NOPING_IMAGE })
      .expect(403);
    expect(res.body).toMatchObject({ code: 'POLICY_VIOLATION', context: { rules: ['image-allowlist'] } });
    expect(await engineHasContainer(`${p}no`)).toBe(false);
  });
});
