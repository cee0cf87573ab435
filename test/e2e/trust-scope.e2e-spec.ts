import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';

// Issue 9, "a scope is a wall, also for reads": two keys of two scopes (team a, team b) on the
// real engine. A scoped key never learns the name, id or address of anything outside its scope,
// and an out-of-scope reference is answered exactly like a missing one.
// Subnets of this file: 10.226.0.0/16.
describe('trust: a scope is a wall, also for reads', () => {
  const p = runPrefix('scope');
  const teamA = `a-${p}`;
  const teamB = `b-${p}`;
  let t: TestApp;
  let keyA = '';
  let keyB = '';
  // Engine ids and addresses of the fixture, read from the engine itself.
  const id: Record<string, string> = {};
  const ip: Record<string, string> = {};
  // Objects named like an id prefix of team a's objects, made by team b (removed by id).
  const hexNamed: { containers: string[]; networks: string[] } = { containers: [], networks: [] };

  const n = (name: string) => `${p}${name}`;
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');

  const createKey = async (name: string, scope: Record<string, string>) =>
    (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: n(name), role: 'operator', scope })
        .expect(201)
    ).body.key as string;

  const run = (key: string, name: string, networks: Array<Record<string, unknown>>) =>
    t
      .as(key)
      .post('/api/v1/containers')
      .send({
        name,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        ...(networks.length ? { networks } : {}),
        labels: { [TEST_LABEL]: p },
      })
      .expect(201);

  const addressOn = async (container: string, network: string) => {
    const info = await docker.getContainer(container).inspect();
    return info.NetworkSettings.Networks[network].IPAddress;
  };

  // Everything a scoped key must never see of team b, in any answer.
  const secretsOfB = () => [
    n('b-box'),
    n('b-net'),
    n('b-bridge'),
    'b-alias',
    id.bBox,
    id.bBox.slice(0, 12),
    id.bNet,
    id.bNet.slice(0, 12),
    id.bBridge,
    ip.bBoxOnA,
    ip.bBoxOnB,
    ip.aBoxOnB,
    ip.bBridge,
  ];
  // `echoed`: what the caller itself sent, which an answer may repeat.
  const expectNoSecretOfB = (body: unknown, echoed = '') => {
    const text = echoed ? JSON.stringify(body).split(echoed).join('') : JSON.stringify(body);
    expect(secretsOfB().filter((s) => text.includes(s))).toEqual([]);
  };

  beforeAll(async () => {
    t = await startApp();
    keyA = await createKey('a', { team: teamA });
    keyB = await createKey('b', { team: teamB });
    const net = (key: string, name: string, subnet: string) =>
      t
        .as(key)
        .post('/api/v1/networks')
        .send({ name, labels: { [TEST_LABEL]: p }, ipam: { config: [{ subnet }] } })
        .expect(201);
    id.aNet = (await net(keyA, n('a-net'), '10.226.1.0/24')).body.id;
    id.bNet = (await net(keyB, n('b-net'), '10.226.2.0/24')).body.id;
    id.aBox = (await run(keyA, n('a-box'), [{ network: n('a-net'), aliases: ['a-alias'] }])).body.id;
    id.aPeer = (await run(keyA, n('a-peer'), [{ network: n('a-net') }])).body.id;
    id.aBridge = (await run(keyA, n('a-bridge'), [])).body.id;
    id.bBox = (await run(keyB, n('b-box'), [{ network: n('b-net') }])).body.id;
    id.bBridge = (await run(keyB, n('b-bridge'), [])).body.id;
    // An admin (no scope) puts b-box on team a's network and a-box on team b's.
    await t.http
      .post(`/api/v1/networks/${n('a-net')}/connections`)
      .send({ container: n('b-box'), aliases: ['b-alias'] })
      .expect(201);
    await t.http
      .post(`/api/v1/networks/${n('b-net')}/connections`)
      .send({ container: n('a-box') })
      .expect(201);
    ip.aBoxOnA = await addressOn(n('a-box'), n('a-net'));
    ip.aPeerOnA = await addressOn(n('a-peer'), n('a-net'));
    ip.bBoxOnA = await addressOn(n('b-box'), n('a-net'));
    ip.bBoxOnB = await addressOn(n('b-box'), n('b-net'));
    ip.aBoxOnB = await addressOn(n('a-box'), n('b-net'));
    ip.aBridge = await addressOn(n('a-bridge'), 'bridge');
    ip.bBridge = await addressOn(n('b-bridge'), 'bridge');
    for (const value of Object.values(ip)) expect(value).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  afterAll(async () => {
    for (const ref of hexNamed.containers)
      await docker
        .getContainer(ref)
        .remove({ force: true })
        .catch(() => {});
    for (const ref of hexNamed.networks)
      await docker
        .getNetwork(ref)
        .remove()
        .catch(() => {});
    await cleanupEngine(p);
    await t?.close();
  });

  describe('nested lists', () => {
    it("a network's containers are only those in scope, the default bridge included (REST)", async () => {
      const a = t.as(keyA);
      const aNet = await a.get(`/api/v1/networks/${n('a-net')}`).expect(200);
      expect(aNet.body.containers.map((c: { name: string }) => c.name)).toEqual([n('a-box'), n('a-peer')]);
      expectNoSecretOfB(aNet.body);
      const bridge = await a.get('/api/v1/networks/bridge').expect(200);
      expect(bridge.body.containers.map((c: { name: string }) => c.name)).toEqual([n('a-bridge')]);
      expectNoSecretOfB(bridge.body);
      const list = await a.get('/api/v1/networks').expect(200);
      expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(
        expect.arrayContaining(['bridge', n('a-net')]),
      );
      expectNoSecretOfB(list.body);
      // Unscoped keys keep seeing everything.
      const admin = await t.http.get(`/api/v1/networks/${n('a-net')}`).expect(200);
      expect(admin.body.containers.map((c: { name: string }) => c.name)).toEqual([
        n('a-box'),
        n('a-peer'),
        n('b-box'),
      ]);
    });

    it("a network's containers are only those in scope, the default bridge included (GraphQL)", async () => {
      const res = await t
        .gql(
          `query($ref: String!) {
            one: network(ref: $ref) { name containers { id name ipv4Address aliases } }
            bridge: network(ref: "bridge") { containers { id name ipv4Address } }
            networks { name id containers { id name ipv4Address ipv6Address aliases } }
          }`,
          { ref: n('a-net') },
          keyA,
        )
        .expect(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.one.containers.map((c: { name: string }) => c.name)).toEqual([
        n('a-box'),
        n('a-peer'),
      ]);
      expect(res.body.data.bridge.containers.map((c: { name: string }) => c.name)).toEqual([n('a-bridge')]);
      expectNoSecretOfB(res.body);
    });

    it("a container's networks are only those in scope (REST)", async () => {
      const a = t.as(keyA);
      const one = await a.get(`/api/v1/containers/${n('a-box')}`).expect(200);
      expect(one.body.networks.map((x: { network: string }) => x.network)).toEqual([n('a-net')]);
      expectNoSecretOfB(one.body);
      const list = await a.get('/api/v1/containers').query({ all: true }).expect(200);
      expect(list.body.items.map((c: { name: string }) => c.name)).toEqual([
        n('a-box'),
        n('a-bridge'),
        n('a-peer'),
      ]);
      expectNoSecretOfB(list.body);
      const filtered = await a
        .get('/api/v1/containers')
        .query({ network: n('a-net') })
        .expect(200);
      expect(filtered.body.items.map((c: { name: string }) => c.name)).toEqual([n('a-box'), n('a-peer')]);
      expectNoSecretOfB(filtered.body);
      // What lifecycle actions answer is the same view.
      const restarted = await a
        .post(`/api/v1/containers/${n('a-box')}/restart`)
        .send({ timeout: 0 })
        .expect(200);
      expectNoSecretOfB(restarted.body);
      const admin = await t.http.get(`/api/v1/containers/${n('a-box')}`).expect(200);
      expect(admin.body.networks.map((x: { network: string }) => x.network)).toEqual([
        n('a-net'),
        n('b-net'),
      ]);
    });

    it("a container's networks are only those in scope (GraphQL)", async () => {
      const res = await t
        .gql(
          `query($ref: String!) {
            container(ref: $ref) { name networks { network networkId ipv4Address aliases } }
            containers(filter: { all: true }) { items { name networkMode networks { network networkId ipv4Address } } }
          }`,
          { ref: id.aBox.slice(0, 12) },
          keyA,
        )
        .expect(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.container.networks.map((x: { network: string }) => x.network)).toEqual([
        n('a-net'),
      ]);
      expectNoSecretOfB(res.body);
    });
  });

  describe('an out-of-scope reference answers like a missing one', () => {
    // The answer to `ref`, with the ref itself taken out of the message.
    const shape = (res: Response, ref: string) => ({
      status: res.status,
      code: (res.body as { code?: string }).code,
      detail: String((res.body as { detail?: string }).detail)
        .split(ref)
        .join('<ref>'),
    });

    const containerRoutes = (ref: string): Array<[string, () => Promise<Response>]> => {
      const a = t.as(keyA);
      return [
        ['inspect', () => a.get(`/api/v1/containers/${ref}`)],
        ['logs', () => a.get(`/api/v1/containers/${ref}/logs`)],
        ['history', () => a.get(`/api/v1/containers/${ref}/history`)],
        ['start', () => a.post(`/api/v1/containers/${ref}/start`)],
        ['stop', () => a.post(`/api/v1/containers/${ref}/stop`).send({ timeout: 0 })],
        ['restart', () => a.post(`/api/v1/containers/${ref}/restart`).send({ timeout: 0 })],
        ['exec', () => a.post(`/api/v1/containers/${ref}/exec`).send({ command: ['true'] })],
        ['remove', () => a.delete(`/api/v1/containers/${ref}`).query({ force: true })],
        [
          'ping from',
          () => a.post('/api/v1/connectivity/ping').send({ from: ref, to: n('a-peer'), count: 1 }),
        ],
        ['ping to', () => a.post('/api/v1/connectivity/ping').send({ from: n('a-box'), to: ref, count: 1 })],
        ['connect', () => a.post(`/api/v1/networks/${n('a-net')}/connections`).send({ container: ref })],
        ['disconnect', () => a.delete(`/api/v1/networks/${n('a-net')}/connections/${ref}`)],
      ];
    };

    const networkRoutes = (ref: string): Array<[string, () => Promise<Response>]> => {
      const a = t.as(keyA);
      return [
        ['inspect', () => a.get(`/api/v1/networks/${ref}`)],
        ['history', () => a.get(`/api/v1/networks/${ref}/history`)],
        ['containers on it', () => a.get('/api/v1/containers').query({ network: ref })],
        ['remove', () => a.delete(`/api/v1/networks/${ref}`)],
        ['connect', () => a.post(`/api/v1/networks/${ref}/connections`).send({ container: n('a-bridge') })],
        ['disconnect', () => a.delete(`/api/v1/networks/${ref}/connections/${n('a-box')}`)],
        ['matrix', () => a.post('/api/v1/connectivity/matrix').send({ network: ref, count: 1 })],
        [
          'run on it',
          () =>
            a.post('/api/v1/containers').send({
              name: n('a-sneak'),
              image: TEST_IMAGE,
              command: ['sleep', '60'],
              networks: [{ network: ref }],
            }),
        ],
      ];
    };

    it('containers of another scope by name, id and id prefix: 404 on every REST route', async () => {
      const forms: Array<[string, string, string]> = [
        ['name', n('b-box'), n('nothing')],
        ['full id', id.bBox, hex(32)],
        ['id prefix', id.bBox.slice(0, 12), hex(6)],
      ];
      const problems: string[] = [];
      for (const [form, outOfScope, missing] of forms) {
        for (const [route, call] of containerRoutes(outOfScope)) {
          const got = shape(await call(), outOfScope);
          const [, callMissing] = containerRoutes(missing).find(([r]) => r === route)!;
          const want = shape(await callMissing(), missing);
          if (
            got.status !== 404 ||
            got.code !== 'CONTAINER_NOT_FOUND' ||
            JSON.stringify(got) !== JSON.stringify(want)
          )
            problems.push(`${form} ${route}: ${JSON.stringify(got)} (missing one: ${JSON.stringify(want)})`);
        }
      }
      expect(problems).toEqual([]);
      // Nothing happened to team b's container.
      const b = await docker.getContainer(id.bBox).inspect();
      expect(b.State.Running).toBe(true);
      expect(Object.keys(b.NetworkSettings.Networks).sort()).toEqual([n('a-net'), n('b-net')]);
    });

    it('networks of another scope by name, id and id prefix: 404 on every REST route', async () => {
      const forms: Array<[string, string, string]> = [
        ['name', n('b-net'), n('nonet')],
        ['full id', id.bNet, hex(32)],
        ['id prefix', id.bNet.slice(0, 12), hex(6)],
      ];
      const problems: string[] = [];
      for (const [form, outOfScope, missing] of forms) {
        for (const [route, call] of networkRoutes(outOfScope)) {
          const got = shape(await call(), outOfScope);
          const [, callMissing] = networkRoutes(missing).find(([r]) => r === route)!;
          const want = shape(await callMissing(), missing);
          if (
            got.status !== 404 ||
            got.code !== 'NETWORK_NOT_FOUND' ||
            JSON.stringify(got) !== JSON.stringify(want)
          )
            problems.push(`${form} ${route}: ${JSON.stringify(got)} (missing one: ${JSON.stringify(want)})`);
        }
      }
      expect(problems).toEqual([]);
      expect((await docker.getNetwork(id.bNet).inspect()).Containers?.[id.aBox]).toBeDefined();
      expect(
        (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${n('a-sneak')}`)),
      ).toBe(false);
    });

    it('out-of-scope references answer like missing ones on GraphQL too', async () => {
      const ops = (c: string, net: string): Array<[string, string, Record<string, unknown>]> => [
        ['container', 'query($r: String!) { container(ref: $r) { id } }', { r: c }],
        ['containerLogs', 'query($r: String!) { containerLogs(ref: $r) { items { text } } }', { r: c }],
        [
          'containerHistory',
          'query($r: String!) { containerHistory(ref: $r) { edges { cursor } } }',
          { r: c },
        ],
        ['startContainer', 'mutation($r: String!) { startContainer(ref: $r) { id } }', { r: c }],
        ['stopContainer', 'mutation($r: String!) { stopContainer(ref: $r, timeout: 0) { id } }', { r: c }],
        [
          'restartContainer',
          'mutation($r: String!) { restartContainer(ref: $r, timeout: 0) { id } }',
          { r: c },
        ],
        ['removeContainer', 'mutation($r: String!) { removeContainer(ref: $r, force: true) }', { r: c }],
        [
          'exec',
          'mutation($r: String!) { exec(ref: $r, input: { command: ["true"] }) { exitCode } }',
          { r: c },
        ],
        [
          'ping from',
          'query($r: String!, $to: String!) { ping(input: { from: $r, to: $to, count: 1 }) { reachable } }',
          { r: c, to: n('a-peer') },
        ],
        [
          'ping to',
          'query($r: String!, $from: String!) { ping(input: { from: $from, to: $r, count: 1 }) { reachable } }',
          { r: c, from: n('a-box') },
        ],
        [
          'connect container',
          'mutation($r: String!, $net: String!) { connectContainer(network: $net, input: { container: $r }) { network } }',
          { r: c, net: n('a-net') },
        ],
        [
          'disconnect container',
          'mutation($r: String!, $net: String!) { disconnectContainer(network: $net, container: $r) }',
          { r: c, net: n('a-net') },
        ],
        ['network', 'query($r: String!) { network(ref: $r) { id } }', { r: net }],
        ['networkHistory', 'query($r: String!) { networkHistory(ref: $r) { edges { cursor } } }', { r: net }],
        ['removeNetwork', 'mutation($r: String!) { removeNetwork(ref: $r) }', { r: net }],
        [
          'connect to network',
          'mutation($r: String!, $c: String!) { connectContainer(network: $r, input: { container: $c }) { network } }',
          { r: net, c: n('a-bridge') },
        ],
        [
          'disconnect from network',
          'mutation($r: String!, $c: String!) { disconnectContainer(network: $r, container: $c) }',
          { r: net, c: n('a-box') },
        ],
        [
          'connectivityMatrix',
          'query($r: String!) { connectivityMatrix(input: { network: $r, count: 1 }) { network } }',
          { r: net },
        ],
        [
          'containers on network',
          'query($r: String!) { containers(filter: { network: $r }) { items { id } } }',
          { r: net },
        ],
      ];
      const answer = async (query: string, variables: Record<string, unknown>, ref: string) => {
        const res = await t.gql(query, variables, keyA);
        const error = (res.body.errors ?? [])[0] as
          { message: string; extensions: { code: string } } | undefined;
        return { code: error?.extensions.code, message: String(error?.message).split(ref).join('<ref>') };
      };
      const problems: string[] = [];
      const forms: Array<[string, string, string, string, string]> = [
        ['name', n('b-box'), n('b-net'), n('nothing'), n('nonet')],
        ['full id', id.bBox, id.bNet, hex(32), hex(32)],
        ['id prefix', id.bBox.slice(0, 12), id.bNet.slice(0, 12), hex(6), hex(6)],
      ];
      for (const [form, c, net, missingC, missingNet] of forms) {
        const missingOps = ops(missingC, missingNet);
        for (const [i, [op, query, variables]] of ops(c, net).entries()) {
          const ref = (variables.r as string) ?? '';
          const got = await answer(query, variables, ref);
          const want = await answer(missingOps[i][1], missingOps[i][2], missingOps[i][2].r as string);
          const code = ref === c ? 'CONTAINER_NOT_FOUND' : 'NETWORK_NOT_FOUND';
          if (got.code !== code || JSON.stringify(got) !== JSON.stringify(want))
            problems.push(`${form} ${op}: ${JSON.stringify(got)} (missing one: ${JSON.stringify(want)})`);
        }
      }
      expect(problems).toEqual([]);
      expect((await docker.getContainer(id.bBox).inspect()).State.Running).toBe(true);
    });

    it("a scoped admin key finds no history of another scope's network or container (REST and GraphQL)", async () => {
      const adminA = (
        await t.http
          .post('/api/v1/api-keys')
          .send({ name: n('admin-a'), role: 'admin', scope: { team: teamA } })
          .expect(201)
      ).body.key as string;
      const cases: Array<[string, string]> = [
        [`/api/v1/networks/${n('b-net')}/history`, 'NETWORK_NOT_FOUND'],
        [`/api/v1/networks/${id.bNet}/history`, 'NETWORK_NOT_FOUND'],
        [`/api/v1/containers/${n('b-box')}/history`, 'CONTAINER_NOT_FOUND'],
        [`/api/v1/containers/${id.bBox.slice(0, 12)}/history`, 'CONTAINER_NOT_FOUND'],
      ];
      for (const [path, code] of cases) {
        const res = await t.as(adminA).get(path);
        expect([path, res.status, res.body.code]).toEqual([path, 404, code]);
      }
      const gql = await t
        .gql('query($r: String!) { networkHistory(ref: $r) { edges { cursor } } }', { r: n('b-net') }, adminA)
        .expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('NETWORK_NOT_FOUND');
      expect(gql.body.data).toBeNull();
      // Its own scope's history it sees; an unscoped admin key sees every one.
      await t
        .as(adminA)
        .get(`/api/v1/networks/${n('a-net')}/history`)
        .expect(200);
      const all = await t.http.get(`/api/v1/networks/${n('b-net')}/history`).expect(200);
      expect(all.body.items.length).toBeGreaterThan(0);
    });

    it('an id prefix is resolved inside the scope (REST and GraphQL)', async () => {
      // Team b names a container and a network exactly like the start of team a's ids: for an
      // unscoped key the prefix is ambiguous; for team a it is its own object, for team b its own.
      const cRef = id.aPeer.slice(0, 12);
      const nRef = id.aNet.slice(0, 12);
      const made = await run(keyB, cRef, [{ network: n('b-net') }]);
      hexNamed.containers.push(made.body.id);
      const madeNet = await t
        .as(keyB)
        .post('/api/v1/networks')
        .send({ name: nRef, labels: { [TEST_LABEL]: p }, ipam: { config: [{ subnet: '10.226.3.0/24' }] } })
        .expect(201);
      hexNamed.networks.push(madeNet.body.id);

      const ambiguous = await t.http.get(`/api/v1/containers/${cRef}`).expect(409);
      expect(ambiguous.body.code).toBe('AMBIGUOUS_REFERENCE');
      expect((await t.http.get(`/api/v1/networks/${nRef}`).expect(409)).body.code).toBe(
        'AMBIGUOUS_REFERENCE',
      );

      const a = t.as(keyA);
      expect((await a.get(`/api/v1/containers/${cRef}`).expect(200)).body.id).toBe(id.aPeer);
      expect((await a.get(`/api/v1/networks/${nRef}`).expect(200)).body.id).toBe(id.aNet);
      const b = t.as(keyB);
      expect((await b.get(`/api/v1/containers/${cRef}`).expect(200)).body.id).toBe(made.body.id);
      expect((await b.get(`/api/v1/networks/${nRef}`).expect(200)).body.id).toBe(madeNet.body.id);

      const gql = await t
        .gql(
          'query($c: String!, $n: String!) { container(ref: $c) { id } network(ref: $n) { id } }',
          { c: cRef, n: nRef },
          keyA,
        )
        .expect(200);
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data).toEqual({ container: { id: id.aPeer }, network: { id: id.aNet } });
      const ping = await a
        .post('/api/v1/connectivity/ping')
        .send({ from: n('a-box'), to: cRef, count: 1 })
        .expect(200);
      expect(ping.body.reachable).toBe(true);
      // The engine's name server would also answer for team b's container of that name (a-box is
      // on team b's network too): the probe went to team a's container.
      expect(ping.body.resolvedAddress).toBe(ip.aPeerOnA);
    });
  });

  describe('conflict messages name nothing outside the scope', () => {
    it('NETWORK_IN_USE counts the containers of other scopes without naming them (REST and GraphQL)', async () => {
      const rest = await t
        .as(keyA)
        .delete(`/api/v1/networks/${n('a-net')}`)
        .expect(409);
      expect(rest.body.code).toBe('NETWORK_IN_USE');
      expect(rest.body.detail).toContain(n('a-box'));
      expect(rest.body.detail).toContain('1 container outside your scope');
      expectNoSecretOfB(rest.body);
      const gql = await t
        .gql('mutation($r: String!) { removeNetwork(ref: $r) }', { r: n('a-net') }, keyA)
        .expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('NETWORK_IN_USE');
      expectNoSecretOfB(gql.body);
      // An unscoped key is told every name.
      const admin = await t.http.delete(`/api/v1/networks/${n('a-net')}`).expect(409);
      expect(admin.body.detail).toContain(n('b-box'));
      expect((await docker.getNetwork(id.aNet).inspect()).Id).toBe(id.aNet);
    });

    it("an address taken by another scope's container is in use, without its name", async () => {
      const res = await t
        .as(keyA)
        .post(`/api/v1/networks/${n('a-net')}/connections`)
        .send({ container: n('a-bridge'), ipv4Address: ip.bBoxOnA })
        .expect(409);
      expect(res.body.code).toBe('ADDRESS_IN_USE');
      expectNoSecretOfB(res.body, ip.bBoxOnA);
      const info = await docker.getContainer(id.aBridge).inspect();
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['bridge']);
    });

    it("a subnet overlapping another scope's network is refused without naming that network", async () => {
      const res = await t
        .as(keyA)
        .post('/api/v1/networks')
        .send({ name: n('a-overlap'), ipam: { config: [{ subnet: '10.226.2.128/25' }] } })
        .expect(409);
      expect(res.body.code).toBe('SUBNET_OVERLAP');
      expectNoSecretOfB(res.body);
      expect(JSON.stringify(res.body)).not.toContain('10.226.2.0/24');
    });
  });

  describe('ping targets', () => {
    const ping = (from: string, to: string) =>
      t.as(keyA).post('/api/v1/connectivity/ping').send({ from, to, count: 1, timeoutMs: 1000 });

    it('by address: only addresses of in-scope containers or free ones on in-scope networks of the source', async () => {
      const refused: Array<[string, string]> = [
        [n('a-box'), ip.bBoxOnA], // team b's container on team a's network
        [n('a-box'), ip.bBoxOnB], // team b's container on team b's network
        [n('a-box'), '10.226.2.250'], // a free address on team b's network
        [n('a-box'), '10.226.9.9'], // on no network at all
        [n('a-bridge'), ip.bBridge], // team b's container on the default bridge
      ];
      const answers = [];
      for (const [from, to] of refused) {
        const res = await ping(from, to);
        answers.push([to, res.status, res.body.code, String(res.body.detail).includes(to)]);
      }
      expect(answers).toEqual(refused.map(([, to]) => [to, 404, 'CONTAINER_NOT_FOUND', true]));
      const peer = await ping(n('a-box'), ip.aPeerOnA).expect(200);
      expect(peer.body.reachable).toBe(true);
      const self = await ping(n('a-box'), '127.0.0.1').expect(200);
      expect(self.body.reachable).toBe(true);
      const free = await ping(n('a-box'), '10.226.1.250').expect(200);
      expect(free.body.reachable).toBe(false);
      // The same on GraphQL.
      const gql = await t
        .gql(
          'query($from: String!, $to: String!) { ping(input: { from: $from, to: $to, count: 1 }) { reachable } }',
          { from: n('a-box'), to: ip.bBoxOnA },
          keyA,
        )
        .expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('CONTAINER_NOT_FOUND');
      expect(gql.body.data).toBeNull();
    });

    it("by name or alias of another scope's container: 404 before any probe runs", async () => {
      for (const to of [n('b-box'), 'b-alias']) {
        const res = await ping(n('a-box'), to);
        expect([to, res.status, res.body.code]).toEqual([to, 404, 'CONTAINER_NOT_FOUND']);
        expectNoSecretOfB(res.body, to);
      }
      const alias = await ping(n('a-peer'), 'a-alias').expect(200);
      expect(alias.body.reachable).toBe(true);
      // An unscoped key may still ping what it sees.
      const admin = await t.http
        .post('/api/v1/connectivity/ping')
        .send({ from: n('a-box'), to: 'b-alias', count: 1 })
        .expect(200);
      expect(admin.body.reachable).toBe(true);
    });
  });

  describe('diagnoses', () => {
    it("name only the networks in scope (another scope's network is counted)", async () => {
      const rest = await t
        .as(keyA)
        .post('/api/v1/connectivity/ping')
        .send({ from: n('a-box'), to: n('a-bridge'), count: 1 })
        .expect(200);
      expect(rest.body.diagnosis.code).toBe('NO_SHARED_NETWORK');
      expect(rest.body.diagnosis.message).toContain(`"${n('a-net')}" and 1 network outside your scope`);
      expectNoSecretOfB(rest.body);
      const gql = await t
        .gql(
          'query($from: String!, $to: String!) { ping(input: { from: $from, to: $to, count: 1 }) { diagnosis { code message } } }',
          { from: n('a-box'), to: n('a-bridge') },
          keyA,
        )
        .expect(200);
      expect(gql.body.data.ping.diagnosis.code).toBe('NO_SHARED_NETWORK');
      expectNoSecretOfB(gql.body);
      const admin = await t.http
        .post('/api/v1/connectivity/ping')
        .send({ from: n('a-box'), to: n('a-bridge'), count: 1 })
        .expect(200);
      expect(admin.body.diagnosis.message).toContain(n('b-net'));
    });
  });

  describe('built-in networks', () => {
    it('docker_gwbridge and ingress are built-ins: no key but an admin joins them', async () => {
      const present = (await docker.listNetworks()).filter((x) =>
        ['docker_gwbridge', 'ingress'].includes(x.Name),
      );
      for (const network of present) {
        const listed = (await t.as(keyA).get(`/api/v1/networks/${network.Name}`).expect(200)).body;
        expect(listed.builtIn).toBe(true);
        const res = await t
          .as(keyA)
          .post(`/api/v1/networks/${network.Name}/connections`)
          .send({ container: n('a-bridge') });
        expect([network.Name, res.status, res.body.code]).toEqual([network.Name, 409, 'BUILTIN_NETWORK']);
      }
      const info = await docker.getContainer(id.aBridge).inspect();
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['bridge']);
    });
  });
});
