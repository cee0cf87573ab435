import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, containerEndpoint, docker, execIn } from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// Subnets of this file: 10.204.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.containersRest;

// MAC addresses Docker never derives itself (its own are 02:42 followed by the IPv4 address), so
// finding one on the engine proves it was applied as asked.
const MAC_FIRST = '02:5e:0a:cc:01:0a';
const MAC_SECOND = '02:5e:0a:cc:07:30';

describe('containers over REST, against the real engine', () => {
  const p = runPrefix('ctrrest');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ EXEC_OUTPUT_LIMIT_BYTES: 4096 });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const run = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/containers')
      .send({ image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...body });
  const createNetwork = (name: string, subnet: string) =>
    t.http
      .post('/api/v1/networks')
      .send({ name, ipam: { config: [{ subnet }] } })
      .expect(201);
  const engineHas = async (name: string) =>
    (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));

  describe('run', () => {
    // Networks the tests of this block join; each test makes its own containers on them.
    beforeAll(async () => {
      await createNetwork(`${p}net`, '10.204.1.0/24');
      await createNetwork(`${p}net2`, '10.204.2.0/24');
    });

    it('runs a container with a fixed IP, MAC and aliases, verified on the engine and from inside', async () => {
      const res = await run({
        name: `${p}web`,
        env: { GREETING: 'hello' },
        hostname: 'web-1',
        restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
        networks: [
          {
            network: `${p}net`,
            ipv4Address: '10.204.1.10',
            macAddress: MAC_FIRST,
            aliases: ['www'],
          },
        ],
      }).expect(201);
      expect(res.body).toMatchObject({
        name: `${p}web`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        state: 'running',
        hostname: 'web-1',
        networkMode: `${p}net`,
        restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
        labels: { [TEST_LABEL]: p, 'io.switchyard.managed': 'true' },
        networks: [
          {
            network: `${p}net`,
            ipv4Address: '10.204.1.10',
            macAddress: MAC_FIRST,
            aliases: expect.arrayContaining(['www']),
          },
        ],
      });
      expect(res.body.status).toMatch(/^Up/);
      expect(res.body).not.toHaveProperty('env');

      const engine = await docker.getContainer(`${p}web`).inspect();
      expect(engine.State.Running).toBe(true);
      expect(engine.Config.Env).toContain('GREETING=hello');
      expect(engine.NetworkSettings.Networks[`${p}net`]).toMatchObject({
        IPAddress: '10.204.1.10',
        MacAddress: MAC_FIRST,
      });
      const inside = await execIn(`${p}web`, ['ip', 'addr', 'show', 'eth0']);
      expect(inside.output).toContain('10.204.1.10/24');
      expect(inside.output).toContain(MAC_FIRST);
    });

    it('runs on several networks, each with its own address and aliases', async () => {
      // Engines without several networks at create get the first there and the others by connect.
      const res = await run({
        name: `${p}multi`,
        networks: [
          { network: `${p}net`, ipv4Address: '10.204.1.20' },
          { network: `${p}net2`, ipv4Address: '10.204.2.20', aliases: ['second'] },
        ],
      }).expect(201);
      expect(res.body.networks.map((n: { network: string }) => n.network)).toEqual([`${p}net`, `${p}net2`]);
      expect((await containerEndpoint(`${p}multi`, `${p}net`))?.IPAddress).toBe('10.204.1.20');
      const second = await containerEndpoint(`${p}multi`, `${p}net2`);
      expect(second?.IPAddress).toBe('10.204.2.20');
      expect(second?.Aliases).toContain('second');
    });

    it('creates without starting when start is false, and on the default bridge when no network is given', async () => {
      const res = await run({ name: `${p}idle`, start: false }).expect(201);
      expect(res.body.state).toBe('created');
      expect(res.body.networkMode).toBe('bridge');
      expect((await docker.getContainer(`${p}idle`).inspect()).State.Status).toBe('created');
    });

    it('runs with networkMode host and none', async () => {
      const host = await run({ name: `${p}hostnet`, networkMode: 'host' }).expect(201);
      expect(host.body.networkMode).toBe('host');
      expect((await docker.getContainer(`${p}hostnet`).inspect()).HostConfig.NetworkMode).toBe('host');
      const none = await run({ name: `${p}nonet`, networkMode: 'none' }).expect(201);
      expect(none.body.networkMode).toBe('none');
      const inside = await execIn(`${p}nonet`, ['ip', '-4', 'addr']);
      expect(inside.output).not.toContain('eth0');
    });

    it('answers IMAGE_NOT_FOUND without pulling, and CONTAINER_NAME_TAKEN', async () => {
      const missing = await run({ name: `${p}noimage`, image: 'switchyard/never-built:1' }).expect(404);
      expect(missing.body.code).toBe('IMAGE_NOT_FOUND');
      expect(missing.body.detail).toContain('never pulls');
      expect(await engineHas(`${p}noimage`)).toBe(false);
      await run({ name: `${p}taken`, start: false }).expect(201);
      const taken = await run({ name: `${p}taken` }).expect(409);
      expect(taken.body.code).toBe('CONTAINER_NAME_TAKEN');
    });

    it('checks addresses before the engine: outside the subnet, in use, on the default bridge', async () => {
      await run({
        name: `${p}holder`,
        networks: [{ network: `${p}net`, ipv4Address: '10.204.1.40' }],
      }).expect(201);
      const outside = await run({
        name: `${p}bad1`,
        networks: [{ network: `${p}net`, ipv4Address: '10.204.9.9' }],
      }).expect(400);
      expect(outside.body.code).toBe('ADDRESS_OUTSIDE_SUBNET');
      const used = await run({
        name: `${p}bad2`,
        networks: [{ network: `${p}net`, ipv4Address: '10.204.1.40' }],
      }).expect(409);
      expect(used.body.code).toBe('ADDRESS_IN_USE');
      expect(used.body.detail).toContain(`${p}holder`);
      const bridge = await run({
        name: `${p}bad3`,
        networks: [{ network: 'bridge', ipv4Address: '172.17.0.99' }],
      }).expect(409);
      expect(bridge.body.code).toBe('ADDRESS_NOT_ASSIGNABLE');
      expect(await engineHas(`${p}bad1`)).toBe(false);
      expect(await engineHas(`${p}bad2`)).toBe(false);
      expect(await engineHas(`${p}bad3`)).toBe(false);
    });

    // Networks of their own: whatever the engine does, nothing joins the networks other tests list.
    if (FEATURES.perEndpointMacAtCreate) {
      it('runs with a MAC address on a second network, verified on the engine', async () => {
        await createNetwork(`${p}mac-a`, '10.204.6.0/24');
        await createNetwork(`${p}mac-b`, '10.204.7.0/24');
        const res = await run({
          name: `${p}mac2`,
          networks: [{ network: `${p}mac-a` }, { network: `${p}mac-b`, macAddress: MAC_SECOND }],
        }).expect(201);
        expect(res.body.networks).toEqual([
          expect.objectContaining({ network: `${p}mac-a` }),
          expect.objectContaining({ network: `${p}mac-b`, macAddress: MAC_SECOND }),
        ]);
        const engine = await docker.getContainer(`${p}mac2`).inspect();
        expect(engine.NetworkSettings.Networks[`${p}mac-b`]?.MacAddress).toBe(MAC_SECOND);
        expect(engine.NetworkSettings.Networks[`${p}mac-a`]?.MacAddress).not.toBe(MAC_SECOND);
      });
    } else {
      it('answers 422 for a MAC address on a second network, and creates nothing', async () => {
        await createNetwork(`${p}mac-a`, '10.204.6.0/24');
        await createNetwork(`${p}mac-b`, '10.204.7.0/24');
        const res = await run({
          name: `${p}mac2`,
          networks: [{ network: `${p}mac-a` }, { network: `${p}mac-b`, macAddress: MAC_SECOND }],
        }).expect(422);
        expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
        expect(res.body.detail).toContain('1.44');
        expect(await engineHas(`${p}mac2`)).toBe(false);
      });
    }

    it('refuses invalid input with field errors', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: 'bad name' }, 'name'],
        [{ image: 'UPPER/case' }, 'image'],
        [{ command: 'sleep 10' }, 'command'],
        [{ env: { '1BAD': 'x' } }, 'env'],
        [{ networks: [{ network: `${p}net` }], networkMode: 'host' }, 'networkMode'],
        [{ networkMode: 'container:abc' }, 'networkMode'],
        [{ restartPolicy: { name: 'sometimes' } }, 'restartPolicy.name'],
        [{ restartPolicy: { name: 'always', maximumRetryCount: 3 } }, 'restartPolicy.maximumRetryCount'],
        [{ networks: [{ network: `${p}net`, macAddress: '01:00:5e:00:00:01' }] }, 'networks.0.macAddress'],
      ];
      const answers = [];
      for (const [body, field] of cases) {
        const res = await run({ name: `${p}invalid`, ...body });
        answers.push({
          field,
          status: res.status,
          code: res.body.code,
          fields: res.body.errors?.map((e: { field: string }) => e.field),
        });
      }
      // One comparison for every case, so that a failure shows which of them went wrong.
      expect(answers).toEqual(
        cases.map(([, field]) => ({
          field,
          status: 400,
          code: 'VALIDATION_FAILED',
          fields: expect.arrayContaining([field]),
        })),
      );
      expect(await engineHas(`${p}invalid`)).toBe(false);
    });

    it('removes a container that cannot start, and says why', async () => {
      const res = await run({ name: `${p}nocmd`, command: ['no-such-program'] }).expect(422);
      expect(res.body.code).toBe('CONTAINER_START_FAILED');
      expect(res.body.detail).toContain('no-such-program');
      expect(await engineHas(`${p}nocmd`)).toBe(false);
    });

    it('removes a container whose network the kernel cannot attach (ipvlan here)', async () => {
      await t.http
        .post('/api/v1/networks')
        .send({
          name: `${p}ipv`,
          driver: 'ipvlan',
          options: { parent: MACVLAN_PARENT },
          ipam: { config: [{ subnet: '10.204.5.0/24' }] },
        })
        .expect(201);
      const res = await run({ name: `${p}onipv`, networks: [{ network: `${p}ipv` }] }).expect(422);
      expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
      expect(await engineHas(`${p}onipv`)).toBe(false);
    });
  });

  describe('list and inspect', () => {
    // Read-only fixtures with a label of their own, so that the containers other tests make never
    // show up in these lists.
    const group = `${p}list`;
    const label = `${TEST_LABEL}=${group}`;
    const names = (res: { body: { items: Array<{ name: string }> } }) => res.body.items.map((c) => c.name);

    beforeAll(async () => {
      await createNetwork(`${p}lnet`, '10.204.3.0/24');
      await createNetwork(`${p}lnet2`, '10.204.4.0/24');
      const labels = { [TEST_LABEL]: group };
      await run({
        name: `${p}lweb`,
        labels,
        networks: [{ network: `${p}lnet`, ipv4Address: '10.204.3.10', aliases: ['www'] }],
      }).expect(201);
      await run({
        name: `${p}lmulti`,
        labels,
        networks: [
          { network: `${p}lnet`, ipv4Address: '10.204.3.20' },
          { network: `${p}lnet2`, ipv4Address: '10.204.4.20' },
        ],
      }).expect(201);
      await run({ name: `${p}lidle`, labels, start: false }).expect(201);
    });

    it('lists a container that never started under the network it was created on', async () => {
      // The engine's own network filter misses it: its endpoint was never attached.
      await createNetwork(`${p}lnet3`, '10.204.8.0/24');
      const labels = { [TEST_LABEL]: `${p}never` };
      await run({ name: `${p}never`, labels, start: false, networks: [{ network: `${p}lnet3` }] }).expect(
        201,
      );
      await run({ name: `${p}never-elsewhere`, labels, start: false }).expect(201);
      const all = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}lnet3`, all: 'true' })
        .expect(200);
      expect(names(all)).toEqual([`${p}never`]);
      const created = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}lnet3`, state: 'created' })
        .expect(200);
      expect(names(created)).toEqual([`${p}never`]);
      const gql = await t.gql(
        `{ containers(filter: { network: "${p}lnet3", all: true }) { items { name } } }`,
      );
      expect(gql.body.data.containers.items).toEqual([{ name: `${p}never` }]);
    });

    it('lists running containers by default, every state with all=true, and filters', async () => {
      const running = await t.http.get('/api/v1/containers').query({ label }).expect(200);
      expect(names(running)).toContain(`${p}lweb`);
      expect(names(running)).not.toContain(`${p}lidle`);
      const all = await t.http.get('/api/v1/containers').query({ label, all: 'true' }).expect(200);
      expect(names(all)).toContain(`${p}lidle`);
      const created = await t.http.get('/api/v1/containers').query({ label, state: 'created' }).expect(200);
      expect(names(created)).toEqual([`${p}lidle`]);
      const onNet2 = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}lnet2` })
        .expect(200);
      expect(names(onNet2)).toEqual([`${p}lmulti`]);
      const item = all.body.items.find((c: { name: string }) => c.name === `${p}lweb`);
      expect(item.networks[0]).toMatchObject({
        network: `${p}lnet`,
        ipv4Address: '10.204.3.10',
        aliases: expect.arrayContaining(['www']),
      });
      const badNet = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}nonet-xyz` })
        .expect(404);
      expect(badNet.body.code).toBe('NETWORK_NOT_FOUND');
      const badState = await t.http.get('/api/v1/containers').query({ state: 'sleeping' }).expect(400);
      expect(badState.body.code).toBe('VALIDATION_FAILED');
    });

    it('pages by name with a cursor', async () => {
      // Three containers, two a page: a full first page with a cursor, then the last one without.
      const first = await t.http
        .get('/api/v1/containers')
        .query({ label, all: 'true', limit: 2 })
        .expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.http
        .get('/api/v1/containers')
        .query({ label, all: 'true', limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const seen = [...names(first), ...names(second)];
      const everything = await t.http.get('/api/v1/containers').query({ label, all: 'true' }).expect(200);
      expect(seen).toEqual(names(everything));
      expect([...seen].sort()).toEqual(seen);
      expect(seen).toEqual(expect.arrayContaining([`${p}lidle`, `${p}lmulti`, `${p}lweb`]));
      const bad = await t.http.get('/api/v1/containers').query({ cursor: 'not-a-cursor' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });

    it('inspects by name, id and id prefix', async () => {
      const byName = await t.http.get(`/api/v1/containers/${p}lweb`).expect(200);
      const byId = await t.http.get(`/api/v1/containers/${byName.body.id}`).expect(200);
      expect(byId.body.name).toBe(`${p}lweb`);
      const byPrefix = await t.http.get(`/api/v1/containers/${byName.body.id.slice(0, 12)}`).expect(200);
      expect(byPrefix.body.name).toBe(`${p}lweb`);
      const missing = await t.http.get(`/api/v1/containers/${p}ghost`).expect(404);
      expect(missing.body.code).toBe('CONTAINER_NOT_FOUND');
    });
  });

  describe('lifecycle', () => {
    it('starts, stops and restarts, idempotently', async () => {
      await run({ name: `${p}cycle`, start: false }).expect(201);
      const started = await t.http.post(`/api/v1/containers/${p}cycle/start`).expect(200);
      expect(started.body.state).toBe('running');
      await t.http.post(`/api/v1/containers/${p}cycle/start`).expect(200);
      expect((await docker.getContainer(`${p}cycle`).inspect()).State.Running).toBe(true);
      const stopped = await t.http.post(`/api/v1/containers/${p}cycle/stop?timeout=0`).expect(200);
      expect(stopped.body.state).toBe('exited');
      expect(stopped.body.exitCode).not.toBeNull();
      const again = await t.http
        .post(`/api/v1/containers/${p}cycle/stop`)
        .set('content-type', 'application/json')
        .expect(200);
      expect(again.body.state).toBe('exited');
      expect((await docker.getContainer(`${p}cycle`).inspect()).State.Running).toBe(false);

      await run({ name: `${p}restarted` }).expect(201);
      const before = (await docker.getContainer(`${p}restarted`).inspect()).State.StartedAt;
      const restarted = await t.http.post(`/api/v1/containers/${p}restarted/restart?timeout=0`).expect(200);
      expect(restarted.body.state).toBe('running');
      const after = (await docker.getContainer(`${p}restarted`).inspect()).State;
      expect(after.Running).toBe(true);
      expect(after.StartedAt).not.toBe(before);
      const badTimeout = await t.http.post(`/api/v1/containers/${p}restarted/stop?timeout=-1`).expect(400);
      expect(badTimeout.body.code).toBe('VALIDATION_FAILED');
    });

    it('removes: a running container only with force', async () => {
      await run({ name: `${p}doomed` }).expect(201);
      const refused = await t.http.delete(`/api/v1/containers/${p}doomed`).expect(409);
      expect(refused.body.code).toBe('CONTAINER_RUNNING');
      expect(await engineHas(`${p}doomed`)).toBe(true);
      await t.http.delete(`/api/v1/containers/${p}doomed?force=true`).expect(204);
      expect(await engineHas(`${p}doomed`)).toBe(false);
      const gone = await t.http.delete(`/api/v1/containers/${p}doomed`).expect(404);
      expect(gone.body.code).toBe('CONTAINER_NOT_FOUND');
    });
  });

  describe('logs', () => {
    it('answers the last lines with stdout and stderr told apart', async () => {
      await run({
        name: `${p}talker`,
        command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; sleep 3600'],
      }).expect(201);
      type Line = { stream: string; text: string; timestamp: string };
      const lines = await waitFor(
        async () => {
          const res = await t.http.get(`/api/v1/containers/${p}talker/logs`).expect(200);
          const items = res.body.items as Line[];
          return items.length >= 10 && items;
        },
        { what: 'the ten lines the container writes at start in its logs' },
      );
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual([
        'out 1',
        'out 2',
        'out 3',
        'out 4',
        'out 5',
      ]);
      expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([
        'err 1',
        'err 2',
        'err 3',
        'err 4',
        'err 5',
      ]);
      expect(lines[0].timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const tail = await t.http.get(`/api/v1/containers/${p}talker/logs?tail=2`).expect(200);
      expect(tail.body.items).toHaveLength(2);
      const future = await t.http
        .get(`/api/v1/containers/${p}talker/logs`)
        .query({ since: String(Math.floor(Date.now() / 1000) + 3600) })
        .expect(200);
      expect(future.body.items).toEqual([]);
      const iso = await t.http
        .get(`/api/v1/containers/${p}talker/logs`)
        .query({ since: '2000-01-01T00:00:00Z' })
        .expect(200);
      expect(iso.body.items.length).toBe(10);
      const bad = await t.http.get(`/api/v1/containers/${p}talker/logs?since=yesterday`).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('exec', () => {
    const exec = (name: string, body: Record<string, unknown>) =>
      t.http.post(`/api/v1/containers/${name}/exec`).send(body);

    // A running container the commands of these tests run in; none of them changes it.
    beforeAll(async () => {
      await run({ name: `${p}shell` }).expect(201);
    });

    it('runs argv with env, working dir and user, and answers the exit code from the engine', async () => {
      const res = await exec(`${p}shell`, {
        command: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u)"; echo problem >&2; exit 3'],
        env: { GREETING: 'hi' },
        workingDir: '/tmp',
        user: '65534',
      }).expect(200);
      expect(res.body).toMatchObject({
        exitCode: 3,
        stdout: 'hi from /tmp as 65534\n',
        stderr: 'problem\n',
        timedOut: false,
        truncated: false,
      });
      expect(res.body.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('passes argv without a shell: metacharacters are plain text', async () => {
      const res = await exec(`${p}shell`, { command: ['echo', '$(id)', '; rm -rf /', '`x`'] }).expect(200);
      expect(res.body.stdout).toBe('$(id) ; rm -rf / `x`\n');
    });

    it('answers timedOut at the deadline and truncated past the output cap', async () => {
      // Far below the command's 30 s, however slow the machine: the deadline cut it short.
      const slow = await exec(`${p}shell`, { command: ['sleep', '30'], timeoutMs: 300 }).expect(200);
      expect(slow.body).toMatchObject({ timedOut: true, exitCode: null });
      expect(slow.body.durationMs).toBeLessThan(15_000);
      const loud = await exec(`${p}shell`, { command: ['head', '-c', '10000', '/dev/zero'] }).expect(200);
      expect(loud.body.truncated).toBe(true);
      expect(loud.body.stdout.length).toBe(4096);
      expect(loud.body.exitCode).toBe(0);
    });

    it('answers CONTAINER_NOT_RUNNING for a stopped container', async () => {
      await run({ name: `${p}stopped` }).expect(201);
      await docker.getContainer(`${p}stopped`).stop({ t: 0 });
      const res = await exec(`${p}stopped`, { command: ['true'] }).expect(409);
      expect(res.body.code).toBe('CONTAINER_NOT_RUNNING');
      expect(res.body.detail).toContain('exited');
      const bad = await exec(`${p}shell`, { command: 'ls -l' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });
});

describe('exec queue', () => {
  const p = runPrefix('execq');
  const execOn = (t: TestApp, body: Record<string, unknown>) =>
    t.http.post(`/api/v1/containers/${p}busy/exec`).send(body);

  // The container every exec of this block runs in.
  beforeAll(async () => {
    await docker
      .createContainer({
        name: `${p}busy`,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '3600'],
        Labels: { [TEST_LABEL]: p },
      })
      .then((c) => c.start());
  });
  afterAll(async () => {
    await cleanupEngine(p);
  });

  describe('with a short queue', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ EXEC_CONCURRENCY: 1, EXEC_QUEUE_TIMEOUT_MS: 300 });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers 429 EXEC_BUSY with Retry-After beyond the concurrency cap once the queue wait is over', async () => {
      // Long enough that it still runs when the other request has waited out its 300 ms.
      const long = execOn(t, { command: ['sleep', '5'], timeoutMs: 60_000 }).then((r) => r);
      await waitFor(
        async () => {
          const ids = (await docker.getContainer(`${p}busy`).inspect()).ExecIDs ?? [];
          const states = await Promise.all(ids.map((id) => docker.getExec(id).inspect()));
          return states.some((s) => s.Running);
        },
        { what: 'the long command running in the container' },
      );
      const refused = await execOn(t, { command: ['true'] }).expect(429);
      expect(refused.body.code).toBe('EXEC_BUSY');
      expect(refused.headers['retry-after']).toBe('1');
      expect((await long).status).toBe(200);
    });
  });

  describe('with a queue that waits long enough', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ EXEC_CONCURRENCY: 1, EXEC_QUEUE_TIMEOUT_MS: 60_000 });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('queues a command beyond the concurrency cap instead of refusing it', async () => {
      // Queued, not refused: a short command behind a short one waits its turn.
      const [a, b] = await Promise.all([
        execOn(t, { command: ['sleep', '0.1'] }),
        execOn(t, { command: ['true'] }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
    });
  });
});
