import { auditRows, createKey, gqlCodes, IMAGE } from '../../support/memory-app';
import { MemoryEngine } from '../../support/memory-engine';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../../support/test-app';

// Roles and label scopes, on both transports, through the real app on the in-memory engine: what
// each key may read and change, by name, id and id prefix, and that what a key may not do never
// reaches the engine.
export function describeAccessRules(): void {
  describe('access: roles and label scopes', () => {
    const engine = new MemoryEngine({ apiVersion: '1.45' });
    let t: TestApp;
    const key: Record<'viewer' | 'operator' | 'teamA' | 'teamB' | 'viewerA', string> = {
      viewer: '',
      operator: '',
      teamA: '',
      teamB: '',
      viewerA: '',
    };
    const ids: Record<string, string> = {};

    const network = (name: string, subnet: string, as: string, labels?: Record<string, string>) =>
      t
        .as(as)
        .post('/api/v1/networks')
        .send({ name, ipam: { config: [{ subnet }] }, ...(labels ? { labels } : {}) });
    const run = (name: string, as: string, extra: Record<string, unknown> = {}) =>
      t
        .as(as)
        .post('/api/v1/containers')
        .send({ name, image: IMAGE, command: ['sleep', '3600'], ...extra });
    // The engine calls a request made that would have changed something.
    const changesOf = async <T>(call: () => PromiseLike<T>): Promise<{ result: T; changes: string[] }> => {
      engine.clearCalls();
      const result = await call();
      return { result, changes: engine.changes() };
    };
    const gql = (query: string, as: string, variables?: Record<string, unknown>) =>
      t.gql(query, variables, as);

    beforeAll(async () => {
      t = await startAppOn(engine);
      key.viewer = await createKey(t, 'viewer', 'viewer');
      key.operator = await createKey(t, 'operator', 'operator');
      key.teamA = await createKey(t, 'team-a', 'operator', { team: 'a' });
      key.teamB = await createKey(t, 'team-b', 'operator', { team: 'b' });
      key.viewerA = await createKey(t, 'viewer-a', 'viewer', { team: 'a' });
      const admin = t.config.ADMIN_API_KEY!;
      await network('net-a', '10.70.1.0/24', key.teamA).expect(201);
      await network('net-b', '10.70.2.0/24', key.teamB).expect(201);
      await run('box-a', key.teamA, { networks: [{ network: 'net-a' }] }).expect(201);
      await run('box-b', key.teamB, { networks: [{ network: 'net-b' }] }).expect(201);
      // On the default bridge, which every key sees: its members must not leak across scopes.
      await run('bridged-a', key.teamA).expect(201);
      await run('bridged-b', key.teamB).expect(201);
      // Made outside Switchyard (the docker CLI), but carrying team a's label.
      ids.foreignNet = await engine.createNetwork({
        name: 'foreign-a',
        driver: 'bridge',
        internal: false,
        attachable: false,
        enableIPv6: false,
        ipam: { driver: 'default', config: [{ subnet: '10.70.3.0/24' }], options: {} },
        options: {},
        labels: { team: 'a' },
      });
      await run('admin-box', admin).expect(201);
      ids.foreignBox = await engine.createContainer({
        name: 'foreign-box',
        image: IMAGE,
        command: ['sleep', '3600'],
        env: {},
        labels: {},
        restartPolicy: { name: 'no', maximumRetryCount: 0 },
        networkMode: 'none',
        endpoints: [],
      });
      await engine.startContainer(ids.foreignBox);
      for (const name of ['net-a', 'net-b']) ids[name] = engine.network(name)!.id;
      for (const name of ['box-a', 'box-b', 'bridged-b']) ids[name] = engine.container(name)!.id;
    }, BOOT_TIMEOUT_MS);
    afterAll(() => t.close());

    describe('roles', () => {
      it('lets a viewer read on both transports and change nothing', async () => {
        await t.as(key.viewer).get('/api/v1/networks').expect(200);
        await t.as(key.viewer).get('/api/v1/containers/box-a').expect(200);
        await t.as(key.viewer).get('/api/v1/containers/box-a/logs').expect(200);
        const refused = await changesOf(() =>
          Promise.all([
            network('viewer-net', '10.70.9.0/24', key.viewer),
            run('viewer-box', key.viewer),
            t.as(key.viewer).delete('/api/v1/networks/net-a'),
            t.as(key.viewer).post('/api/v1/containers/box-a/stop'),
            t
              .as(key.viewer)
              .post('/api/v1/containers/box-a/exec')
              .send({ command: ['true'] }),
            t.as(key.viewer).post('/api/v1/networks/net-a/connections').send({ container: 'box-b' }),
          ]),
        );
        expect(refused.result.map((r) => [r.status, r.body.code])).toEqual(
          Array.from({ length: 6 }, () => [403, 'FORBIDDEN']),
        );
        expect(refused.changes).toEqual([]);
        const gqlRefused = await changesOf(() =>
          gql('mutation { createNetwork(input: { name: "viewer-gql" }) { id } }', key.viewer),
        );
        expect(gqlCodes(gqlRefused.result)).toEqual(['FORBIDDEN']);
        expect(gqlRefused.changes).toEqual([]);
        const read = await gql('{ networks { name } container(ref: "box-a") { name state } }', key.viewer);
        expect(read.body.data.container).toEqual({ name: 'box-a', state: 'running' });
        expect(engine.network('viewer-net')).toBeUndefined();
        expect(engine.container('viewer-box')).toBeUndefined();
      });

      it('lets an operator change what Switchyard made, but not manage keys, host networking or macvlan', async () => {
        await network('op-net', '10.70.10.0/24', key.operator).expect(201);
        await run('op-box', key.operator, { networks: [{ network: 'op-net' }] }).expect(201);
        await t.as(key.operator).post('/api/v1/containers/op-box/stop').expect(200);
        expect(engine.container('op-box')).toMatchObject({ state: 'exited' });
        const refused = await changesOf(() =>
          Promise.all([
            t.as(key.operator).get('/api/v1/api-keys'),
            t.as(key.operator).post('/api/v1/api-keys').send({ name: 'sneaky', role: 'admin' }),
            run('op-host', key.operator, { networkMode: 'host' }),
            t
              .as(key.operator)
              .post('/api/v1/networks')
              .send({ name: 'op-lan', driver: 'macvlan', options: { parent: 'eth0' } }),
            t.as(key.operator).post('/api/v1/networks/prune').send({ all: true }),
            // Made outside Switchyard: only an admin key changes it.
            t.as(key.operator).delete('/api/v1/networks/foreign-a'),
            t.as(key.operator).delete('/api/v1/containers/foreign-box').query({ force: true }),
          ]),
        );
        expect(refused.result.map((r) => [r.status, r.body.code])).toEqual([
          [403, 'FORBIDDEN'],
          [403, 'FORBIDDEN'],
          [403, 'POLICY_VIOLATION'],
          [403, 'POLICY_VIOLATION'],
          [403, 'FORBIDDEN'],
          [403, 'FORBIDDEN'],
          [403, 'FORBIDDEN'],
        ]);
        expect(refused.result[2].body.context).toEqual({ rule: 'host-network' });
        expect(refused.result[3].body.context).toEqual({ rule: 'parent-interface' });
        expect(refused.changes).toEqual([]);
        expect(engine.network('foreign-a')).toBeDefined();
        expect(engine.container('foreign-box')).toMatchObject({ state: 'running' });
        // What an admin made through Switchyard, an operator may change.
        await t.as(key.operator).post('/api/v1/containers/admin-box/restart').expect(200);
      });

      it('lets an admin change what Switchyard did not make, and refuses the built-in networks to everyone', async () => {
        const builtIn = await changesOf(() => t.http.delete('/api/v1/networks/bridge'));
        expect([builtIn.result.status, builtIn.result.body.code]).toEqual([409, 'BUILTIN_NETWORK']);
        expect(builtIn.changes).toEqual([]);
        const made = await changesOf(() =>
          t.http.delete(`/api/v1/containers/${ids.foreignBox.slice(0, 10)}?force=true`),
        );
        expect(made.result.status).toBe(204);
        expect(made.changes).toEqual(['removeContainer']);
        expect(engine.container('foreign-box')).toBeUndefined();
      });
    });

    describe('scopes', () => {
      it('labels what a scoped key creates with its scope, and refuses another scope in its labels', async () => {
        expect(engine.network('net-a')!.labels).toMatchObject({ team: 'a', 'io.switchyard.managed': 'true' });
        expect(engine.container('box-a')!.labels).toMatchObject({ team: 'a' });
        const refused = await changesOf(() =>
          Promise.all([
            network('net-x', '10.70.12.0/24', key.teamA, { team: 'b' }),
            run('box-x', key.teamA, { labels: { team: 'b' } }),
          ]),
        );
        expect(refused.result.map((r) => [r.status, r.body.code])).toEqual([
          [403, 'FORBIDDEN'],
          [403, 'FORBIDDEN'],
        ]);
        expect(refused.changes).toEqual([]);
      });

      it("lists only the key's networks and containers, and the built-in networks, on both transports", async () => {
        const rest = await t.as(key.viewerA).get('/api/v1/networks').expect(200);
        // foreign-a carries the scope's label: in scope, whoever made it.
        expect(rest.body.items.map((n: { name: string }) => n.name)).toEqual([
          'bridge',
          'foreign-a',
          'host',
          'net-a',
          'none',
        ]);
        const containers = await t.as(key.viewerA).get('/api/v1/containers?all=true').expect(200);
        expect(containers.body.items.map((c: { name: string }) => c.name)).toEqual(['box-a', 'bridged-a']);
        const graphql = await gql(
          '{ networks { name } containers(filter: { all: true }) { items { name } } }',
          key.viewerA,
        );
        expect(graphql.body.data.networks.map((n: { name: string }) => n.name)).toEqual(
          rest.body.items.map((n: { name: string }) => n.name),
        );
        expect(graphql.body.data.containers.items).toEqual([{ name: 'box-a' }, { name: 'bridged-a' }]);
      });

      it("never shows another scope's containers as members of a network it sees", async () => {
        const bridge = await t.as(key.viewerA).get('/api/v1/networks/bridge').expect(200);
        expect(bridge.body.containers.map((c: { name: string }) => c.name)).toEqual(['bridged-a']);
        const listed = await t.as(key.viewerA).get('/api/v1/networks?name=bridge').expect(200);
        expect(listed.body.items[0].containers.map((c: { name: string }) => c.name)).toEqual(['bridged-a']);
        const nested = await gql(
          '{ networks(filter: { name: "bridge" }) { containers { name } } network(ref: "bridge") { containers { name ipv4Address } } }',
          key.viewerA,
        );
        expect(nested.body.data.networks[0].containers).toEqual([{ name: 'bridged-a' }]);
        expect(nested.body.data.network.containers.map((c: { name: string }) => c.name)).toEqual([
          'bridged-a',
        ]);
        // An unscoped key sees them all.
        const all = await t.as(key.viewer).get('/api/v1/networks/bridge').expect(200);
        expect(all.body.containers.map((c: { name: string }) => c.name)).toEqual([
          'admin-box',
          'bridged-a',
          'bridged-b',
        ]);
      });

      it("answers another scope's network and container like missing ones, by name, id and id prefix, on both transports", async () => {
        const refs = {
          networks: ['net-b', ids['net-b'], ids['net-b'].slice(0, 6)],
          containers: ['box-b', ids['box-b'], ids['box-b'].slice(0, 6)],
        };
        for (const ref of refs.networks) {
          const res = await t.as(key.viewerA).get(`/api/v1/networks/${ref}`);
          expect([ref, res.status, res.body.code]).toEqual([ref, 404, 'NETWORK_NOT_FOUND']);
          expect(res.body.detail).toBe(
            `No network matches "${ref}": give its exact name, full id or an id prefix.`,
          );
          expect(gqlCodes(await gql(`{ network(ref: "${ref}") { name } }`, key.viewerA))).toEqual([
            'NETWORK_NOT_FOUND',
          ]);
          const filtered = await t.as(key.viewerA).get(`/api/v1/containers?network=${ref}`);
          expect([ref, filtered.status]).toEqual([ref, 404]);
          const history = await t.as(key.viewerA).get(`/api/v1/networks/${ref}/history`);
          expect([ref, history.status]).toEqual([ref, 404]);
        }
        for (const ref of refs.containers) {
          for (const path of [`/api/v1/containers/${ref}`, `/api/v1/containers/${ref}/logs`]) {
            const res = await t.as(key.viewerA).get(path);
            expect([path, res.status, res.body.code]).toEqual([path, 404, 'CONTAINER_NOT_FOUND']);
          }
          expect(gqlCodes(await gql(`{ container(ref: "${ref}") { name } }`, key.viewerA))).toEqual([
            'CONTAINER_NOT_FOUND',
          ]);
        }
        // Its own, by the same three kinds of reference.
        for (const ref of [
          'box-a',
          engine.container('box-a')!.id,
          engine.container('box-a')!.id.slice(0, 6),
        ]) {
          await t.as(key.viewerA).get(`/api/v1/containers/${ref}`).expect(200);
        }
      });

      it("never changes another scope's networks and containers, and those refusals reach no engine", async () => {
        const a = key.teamA;
        const refused = await changesOf(() =>
          Promise.all([
            t.as(a).delete('/api/v1/networks/net-b'),
            t.as(a).delete(`/api/v1/networks/${ids['net-b'].slice(0, 8)}`),
            t.as(a).post('/api/v1/networks/net-b/connections').send({ container: 'box-a' }),
            t.as(a).post('/api/v1/networks/net-a/connections').send({ container: 'box-b' }),
            t.as(a).delete('/api/v1/networks/net-b/connections/box-b'),
            t.as(a).post(`/api/v1/containers/${ids['box-b']}/stop`),
            t.as(a).post('/api/v1/containers/box-b/restart'),
            t.as(a).delete('/api/v1/containers/box-b').query({ force: true }),
            t
              .as(a)
              .post('/api/v1/containers/box-b/exec')
              .send({ command: ['true'] }),
            run('box-a2', a, { networks: [{ network: 'net-b' }] }),
            t.as(a).post('/api/v1/connectivity/ping').send({ from: 'box-b', to: 'box-a' }),
            t.as(a).post('/api/v1/connectivity/ping').send({ from: 'box-a', to: 'bridged-b' }),
            t.as(a).post('/api/v1/connectivity/matrix').send({ network: 'net-b' }),
          ]),
        );
        const network = [404, 'NETWORK_NOT_FOUND'];
        const container = [404, 'CONTAINER_NOT_FOUND'];
        expect(refused.result.map((r) => [r.status, r.body.code])).toEqual([
          network,
          network,
          network,
          container,
          network,
          container,
          container,
          container,
          container,
          network,
          container,
          container,
          network,
        ]);
        expect(refused.changes).toEqual([]);
        // GraphQL runs a document's mutations in order: each refused, none reaching the engine.
        const graphql = await changesOf(() =>
          Promise.all([
            gql('mutation { removeNetwork(ref: "net-b") }', a),
            gql(`mutation { stopContainer(ref: "${ids['box-b'].slice(0, 8)}") { id } }`, a),
            gql(
              'mutation { connectContainer(network: "net-a", input: { container: "box-b" }) { network } }',
              a,
            ),
          ]),
        );
        expect(graphql.result.map(gqlCodes)).toEqual([
          ['NETWORK_NOT_FOUND'],
          ['CONTAINER_NOT_FOUND'],
          ['CONTAINER_NOT_FOUND'],
        ]);
        expect(graphql.changes).toEqual([]);
        expect(engine.network('net-b')).toBeDefined();
        expect(engine.container('box-b')).toMatchObject({ state: 'running' });
        expect(engine.container('box-b')!.endpoints.map((e) => e.networkName)).toEqual(['net-b']);
      });

      it('changes its own, and joins the default bridge, which every key may join', async () => {
        const a = key.teamA;
        await t.as(a).post('/api/v1/networks/bridge/connections').send({ container: 'box-a' }).expect(201);
        await t.as(a).delete('/api/v1/networks/bridge/connections/box-a').expect(204);
        await t.as(a).post('/api/v1/containers/box-a/restart').expect(200);
        const matrix = await t
          .as(a)
          .post('/api/v1/connectivity/matrix')
          .send({ network: 'bridge' })
          .expect(200);
        // Only the members within reach of the key take part.
        expect(matrix.body.results).toEqual([]);
        const members = await t.as(key.viewerA).get('/api/v1/containers?network=bridge').expect(200);
        expect(members.body.items.map((c: { name: string }) => c.name)).toEqual(['bridged-a']);
      });

      it('answers 409 for an id prefix that matches two containers in scope, never a guess', async () => {
        engine.presetNextIds(`abcd1${'0'.repeat(59)}`, `abcd2${'0'.repeat(59)}`, `abcd3${'0'.repeat(59)}`);
        await run('twin-1', key.teamA).expect(201);
        await run('twin-2', key.teamA).expect(201);
        await run('twin-of-b', key.teamB).expect(201);
        // Another scope's match is neither a candidate nor named; for team b the prefix is its own.
        expect((await t.as(key.teamB).get('/api/v1/containers/abcd').expect(200)).body.name).toBe(
          'twin-of-b',
        );
        expect(
          (await t.as(key.operator).get('/api/v1/containers/abcd').expect(409)).body.context.candidates,
        ).toHaveLength(3);
        const res = await t.as(key.teamA).get('/api/v1/containers/abcd').expect(409);
        expect(res.body.detail).not.toContain('twin-of-b');
        expect(res.body.code).toBe('AMBIGUOUS_REFERENCE');
        expect(res.body.context.candidates.map((c: { name: string }) => c.name).sort()).toEqual([
          'twin-1',
          'twin-2',
        ]);
        engine.clearCalls();
        await t.as(key.teamA).post('/api/v1/containers/abcd/stop').expect(409);
        expect(engine.changes()).toEqual([]);
        expect((await t.as(key.teamA).get('/api/v1/containers/abcd2').expect(200)).body.name).toBe('twin-2');
      });

      it('records the out-of-scope attempts with the key that made them, like missing references', () => {
        const failed = auditRows(
          t,
          "actor = 'team-a' AND error_code IN ('NETWORK_NOT_FOUND', 'CONTAINER_NOT_FOUND')",
        );
        expect(failed.length).toBeGreaterThanOrEqual(13);
        expect(failed.every((r) => r.outcome === 'failed' && r.phase === 'outcome')).toBe(true);
        expect(new Set(failed.map((r) => r.transport))).toEqual(new Set(['rest', 'graphql']));
      });
    });
  });
}
