import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, containerEndpoint, docker, execIn } from '../support/engine';
import { runPrefix } from '../support/names';

// Subnets of this file: 10.204.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.containersRest;

describe('containers over REST, against the real engine', () => {
  const p = runPrefix('ctrrest');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ EXEC_OUTPUT_LIMIT_BYTES: 4096 });
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}net`, ipam: { config: [{ subnet: '10.204.1.0/24' }] } })
      .expect(201);
    await t.http
      .post('/api/v1/networks')
      .send({ name: `${p}net2`, ipam: { config: [{ subnet: '10.204.2.0/24' }] } })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t.close();
  });

  const run = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/containers')
      .send({ image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...body });
  const engineHas = async (name: string) =>
    (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${name}`));

  describe('run', () => {
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
            macAddress: '02:42:0a:cc:01:0a',
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
            macAddress: '02:42:0a:cc:01:0a',
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
        MacAddress: '02:42:0a:cc:01:0a',
      });
      const inside = await execIn(`${p}web`, ['ip', 'addr', 'show', 'eth0']);
      expect(inside.output).toContain('10.204.1.10/24');
      expect(inside.output).toContain('02:42:0a:cc:01:0a');
    });

    it('runs on several networks: the first at create, the others by connect (engine API 1.41)', async () => {
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
      const taken = await run({ name: `${p}web` }).expect(409);
      expect(taken.body.code).toBe('CONTAINER_NAME_TAKEN');
    });

    it('checks addresses before the engine: outside the subnet, in use, on the default bridge', async () => {
      const outside = await run({
        name: `${p}bad1`,
        networks: [{ network: `${p}net`, ipv4Address: '10.204.9.9' }],
      }).expect(400);
      expect(outside.body.code).toBe('ADDRESS_OUTSIDE_SUBNET');
      const used = await run({
        name: `${p}bad2`,
        networks: [{ network: `${p}net`, ipv4Address: '10.204.1.10' }],
      }).expect(409);
      expect(used.body.code).toBe('ADDRESS_IN_USE');
      expect(used.body.detail).toContain(`${p}web`);
      const bridge = await run({
        name: `${p}bad3`,
        networks: [{ network: 'bridge', ipv4Address: '172.17.0.99' }],
      }).expect(409);
      expect(bridge.body.code).toBe('ADDRESS_NOT_ASSIGNABLE');
      for (const name of ['bad1', 'bad2', 'bad3']) expect(await engineHas(`${p}${name}`)).toBe(false);
    });

    it('answers 422 for a MAC address on a second network before API 1.54... 1.44, and creates nothing', async () => {
      const res = await run({
        name: `${p}mac2`,
        networks: [{ network: `${p}net` }, { network: `${p}net2`, macAddress: '02:42:0a:cc:02:30' }],
      }).expect(422);
      expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
      expect(res.body.detail).toContain('1.44');
      expect(await engineHas(`${p}mac2`)).toBe(false);
    });

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
      for (const [body, field] of cases) {
        const res = await run({ name: `${p}invalid`, ...body });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
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
    it('lists running containers by default, every state with all=true, and filters', async () => {
      const running = await t.http
        .get('/api/v1/containers')
        .query({ label: `${TEST_LABEL}=${p}` })
        .expect(200);
      const names = running.body.items.map((c: { name: string }) => c.name);
      expect(names).toContain(`${p}web`);
      expect(names).not.toContain(`${p}idle`);
      const all = await t.http
        .get('/api/v1/containers')
        .query({ label: `${TEST_LABEL}=${p}`, all: 'true' })
        .expect(200);
      expect(all.body.items.map((c: { name: string }) => c.name)).toContain(`${p}idle`);
      const created = await t.http
        .get('/api/v1/containers')
        .query({ label: `${TEST_LABEL}=${p}`, state: 'created' })
        .expect(200);
      expect(created.body.items.map((c: { name: string }) => c.name)).toEqual([`${p}idle`]);
      const onNet2 = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}net2` })
        .expect(200);
      expect(onNet2.body.items.map((c: { name: string }) => c.name)).toEqual([`${p}multi`]);
      const item = all.body.items.find((c: { name: string }) => c.name === `${p}web`);
      expect(item.networks[0]).toMatchObject({
        network: `${p}net`,
        ipv4Address: '10.204.1.10',
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
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const res = await t.http
          .get('/api/v1/containers')
          .query({ label: `${TEST_LABEL}=${p}`, all: 'true', limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((c: { name: string }) => c.name));
        cursor = res.body.nextCursor ?? undefined;
        if (!cursor) break;
      }
      const everything = await t.http
        .get('/api/v1/containers')
        .query({ label: `${TEST_LABEL}=${p}`, all: 'true' })
        .expect(200);
      expect(seen).toEqual(everything.body.items.map((c: { name: string }) => c.name));
      expect([...seen].sort()).toEqual(seen);
      const bad = await t.http.get('/api/v1/containers').query({ cursor: 'not-a-cursor' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });

    it('inspects by name, id and id prefix', async () => {
      const byName = await t.http.get(`/api/v1/containers/${p}web`).expect(200);
      await t.http.get(`/api/v1/containers/${byName.body.id}`).expect(200);
      const byPrefix = await t.http.get(`/api/v1/containers/${byName.body.id.slice(0, 12)}`).expect(200);
      expect(byPrefix.body.name).toBe(`${p}web`);
      const missing = await t.http.get(`/api/v1/containers/${p}ghost`).expect(404);
      expect(missing.body.code).toBe('CONTAINER_NOT_FOUND');
    });
  });

  describe('lifecycle', () => {
    it('starts, stops and restarts, idempotently', async () => {
      const started = await t.http.post(`/api/v1/containers/${p}idle/start`).expect(200);
      expect(started.body.state).toBe('running');
      await t.http.post(`/api/v1/containers/${p}idle/start`).expect(200);
      expect((await docker.getContainer(`${p}idle`).inspect()).State.Running).toBe(true);
      const stopped = await t.http.post(`/api/v1/containers/${p}idle/stop?timeout=0`).expect(200);
      expect(stopped.body.state).toBe('exited');
      expect(stopped.body.exitCode).not.toBeNull();
      const again = await t.http
        .post(`/api/v1/containers/${p}idle/stop`)
        .set('content-type', 'application/json')
        .expect(200);
      expect(again.body.state).toBe('exited');
      expect((await docker.getContainer(`${p}idle`).inspect()).State.Running).toBe(false);
      const before = (await docker.getContainer(`${p}multi`).inspect()).State.StartedAt;
      const restarted = await t.http.post(`/api/v1/containers/${p}multi/restart?timeout=0`).expect(200);
      expect(restarted.body.state).toBe('running');
      expect((await docker.getContainer(`${p}multi`).inspect()).State.StartedAt).not.toBe(before);
      const badTimeout = await t.http.post(`/api/v1/containers/${p}multi/stop?timeout=-1`).expect(400);
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
      let lines: Array<{ stream: string; text: string; timestamp: string }> = [];
      for (let i = 0; i < 50 && lines.length < 10; i++) {
        lines = (await t.http.get(`/api/v1/containers/${p}talker/logs`).expect(200)).body.items;
        if (lines.length < 10) await new Promise((r) => setTimeout(r, 50));
      }
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

    it('runs argv with env, working dir and user, and answers the exit code from the engine', async () => {
      const res = await exec(`${p}web`, {
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
      const res = await exec(`${p}web`, { command: ['echo', '$(id)', '; rm -rf /', '`x`'] }).expect(200);
      expect(res.body.stdout).toBe('$(id) ; rm -rf / `x`\n');
    });

    it('answers timedOut at the deadline and truncated past the output cap', async () => {
      const slow = await exec(`${p}web`, { command: ['sleep', '5'], timeoutMs: 300 }).expect(200);
      expect(slow.body).toMatchObject({ timedOut: true, exitCode: null });
      expect(slow.body.durationMs).toBeLessThan(3000);
      const loud = await exec(`${p}web`, { command: ['head', '-c', '10000', '/dev/zero'] }).expect(200);
      expect(loud.body.truncated).toBe(true);
      expect(loud.body.stdout.length).toBe(4096);
      expect(loud.body.exitCode).toBe(0);
    });

    it('answers CONTAINER_NOT_RUNNING for a stopped container', async () => {
      const res = await exec(`${p}idle`, { command: ['true'] }).expect(409);
      expect(res.body.code).toBe('CONTAINER_NOT_RUNNING');
      expect(res.body.detail).toContain('exited');
      const bad = await exec(`${p}web`, { command: 'ls -l' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });
});

describe('exec queue', () => {
  const p = runPrefix('execq');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ EXEC_CONCURRENCY: 1, EXEC_QUEUE_TIMEOUT_MS: 300 });
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}busy`, image: TEST_IMAGE, command: ['sleep', '3600'] })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t.close();
  });

  it('queues briefly beyond the concurrency cap, then answers 429 EXEC_BUSY with Retry-After', async () => {
    const long = t.http.post(`/api/v1/containers/${p}busy/exec`).send({ command: ['sleep', '2'] });
    const longDone = long.then((r) => r);
    await new Promise((r) => setTimeout(r, 150));
    const refused = await t.http
      .post(`/api/v1/containers/${p}busy/exec`)
      .send({ command: ['true'] })
      .expect(429);
    expect(refused.body.code).toBe('EXEC_BUSY');
    expect(refused.headers['retry-after']).toBe('1');
    expect((await longDone).status).toBe(200);
    // Queued, not refused: a short command behind a short one waits its turn.
    const [a, b] = await Promise.all([
      t.http.post(`/api/v1/containers/${p}busy/exec`).send({ command: ['sleep', '0.1'] }),
      t.http.post(`/api/v1/containers/${p}busy/exec`).send({ command: ['true'] }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
  });
});
