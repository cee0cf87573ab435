import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

const CONTAINER_FIELDS = `id name image command state status createdAt labels networkMode hostname exitCode
  restartPolicy { name maximumRetryCount } networks { network networkId ipv4Address ipv6Address macAddress aliases }`;

// The same walkthrough through GraphQL, and the container errors with the same codes as REST. A
// story that several tests look at is built once in its describe's beforeAll; the tests only read
// and probe it. Subnets of this file: 10.206.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.walkthroughGraphql;

// MAC addresses Docker never derives itself (its own are 02:42 followed by the IPv4 address), so
// finding one on the engine proves it was applied as asked.
const BRIDGE_MAC = '02:5e:0a:ce:01:0a';
const MACVLAN_MAC = '02:5e:0a:ce:03:0a';

describe('walkthrough over GraphQL', () => {
  const p = runPrefix('walkgql');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const res = await t.gql(query, variables).expect(200);
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  };
  const codeOf = async (query: string, variables?: Record<string, unknown>) => {
    const res = await t.gql(query, variables);
    return res.body.errors?.[0]?.extensions?.code as string | undefined;
  };
  const createNetwork = (input: Record<string, unknown>) =>
    ok('mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }', { i: input });
  const run = async (input: Record<string, unknown>) =>
    (
      await ok(`mutation($i: RunContainerInput!) { runContainer(input: $i) { ${CONTAINER_FIELDS} } }`, {
        i: { image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...input },
      })
    ).runContainer;
  // Pings that should be answered end at the last reply; the deadline only has to outlast a busy machine.
  const ping = async (from: string, to: string) =>
    (
      await ok(
        `query($i: PingInput!) { ping(input: $i) { from to reachable resolvedAddress transmitted received packetLoss probe
           rttMs { min avg max } diagnosis { code message } } }`,
        { i: { from, to, count: 2, timeoutMs: 20_000 } },
      )
    ).ping;
  const endpoint = async (container: string, network: string) =>
    (await docker.getContainer(container).inspect()).NetworkSettings.Networks[network];

  describe('bridge: A with a chosen IP, MAC and alias, and B, on a user-defined network', () => {
    let a: unknown;

    beforeAll(async () => {
      await createNetwork({ name: `${p}br`, ipam: { config: [{ subnet: '10.206.1.0/24' }] } });
      a = await run({
        name: `${p}a`,
        networks: [
          { network: `${p}br`, ipv4Address: '10.206.1.10', macAddress: BRIDGE_MAC, aliases: ['alpha'] },
        ],
      });
      await run({ name: `${p}b`, networks: [{ network: `${p}br` }] });
    });

    it(`A runs with the chosen IP, MAC ${BRIDGE_MAC} and alias, seen on the engine and inside`, async () => {
      expect(a).toMatchObject({
        name: `${p}a`,
        state: 'running',
        command: ['sleep', '3600'],
        networkMode: `${p}br`,
        networks: [
          {
            network: `${p}br`,
            ipv4Address: '10.206.1.10',
            macAddress: BRIDGE_MAC,
            aliases: expect.arrayContaining(['alpha']),
          },
        ],
      });
      const engine = await endpoint(`${p}a`, `${p}br`);
      expect(engine).toMatchObject({ IPAddress: '10.206.1.10', MacAddress: BRIDGE_MAC });
      expect(engine.Aliases).toEqual(expect.arrayContaining(['alpha']));
      const inside = await execIn(`${p}a`, ['ip', 'addr', 'show', 'eth0']);
      expect(inside.output).toContain('inet 10.206.1.10/24');
      expect(inside.output).toContain(`link/ether ${BRIDGE_MAC}`);
    });

    it('lists both containers on the network, running', async () => {
      const list = await ok(
        `query($f: ContainerFilterInput) { containers(filter: $f) { items { name state } nextCursor } }`,
        { f: { network: `${p}br` } },
      );
      expect(list.containers).toEqual({
        items: [
          { name: `${p}a`, state: 'running' },
          { name: `${p}b`, state: 'running' },
        ],
        nextCursor: null,
      });
    });

    it('describes a container as REST does', async () => {
      const one = await ok(`{ container(ref: "${p}a") { ${CONTAINER_FIELDS} } }`);
      const rest = await t.http.get(`/api/v1/containers/${p}a`).expect(200);
      expect(rest.body).toMatchObject({ ...one.container, status: expect.any(String) });
    });

    it('A pings B by name, and B reaches A by its alias', async () => {
      const res = await ping(`${p}a`, `${p}b`);
      expect(res).toMatchObject({
        from: `${p}a`,
        reachable: true,
        received: 2,
        packetLoss: 0,
        probe: 'exec',
        diagnosis: null,
      });
      expect(res.resolvedAddress).toBe((await endpoint(`${p}b`, `${p}br`)).IPAddress);
      expect(await ping(`${p}b`, 'alpha')).toMatchObject({ reachable: true, resolvedAddress: '10.206.1.10' });
    });

    it('matrix: both ordered pairs, reachable', async () => {
      const matrix = await ok(
        `query($i: MatrixInput!) { connectivityMatrix(input: $i) { network durationMs results { from to address reachable rttMs { avg } } } }`,
        { i: { network: `${p}br`, timeoutMs: 10_000 } },
      );
      expect(matrix.connectivityMatrix.results).toHaveLength(2);
      expect(matrix.connectivityMatrix.results.every((r: { reachable: boolean }) => r.reachable)).toBe(true);
    });

    it('exec: exit code, stdout and stderr apart', async () => {
      const exec = await ok(
        `mutation($i: ExecInput!) { exec(ref: "${p}a", input: $i) { exitCode stdout stderr durationMs timedOut truncated } }`,
        { i: { command: ['sh', '-c', 'echo out; echo err >&2; exit 4'] } },
      );
      expect(exec.exec).toMatchObject({
        exitCode: 4,
        stdout: 'out\n',
        stderr: 'err\n',
        timedOut: false,
        truncated: false,
      });
    });

    it('answers the container errors with the same codes as REST, creating nothing', async () => {
      const runCode = (input: Record<string, unknown>) =>
        codeOf('mutation($i: RunContainerInput!) { runContainer(input: $i) { id } }', {
          i: { image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...input },
        });
      expect(await runCode({ name: `${p}x1`, image: 'switchyard/never-built:2' })).toBe('IMAGE_NOT_FOUND');
      expect(await runCode({ name: `${p}a` })).toBe('CONTAINER_NAME_TAKEN');
      expect(
        await runCode({ name: `${p}x2`, networks: [{ network: `${p}br`, ipv4Address: '10.206.1.10' }] }),
      ).toBe('ADDRESS_IN_USE');
      expect(
        await runCode({ name: `${p}x3`, networks: [{ network: `${p}br`, ipv4Address: '10.206.9.9' }] }),
      ).toBe('ADDRESS_OUTSIDE_SUBNET');
      expect(await runCode({ name: `${p}x4`, networks: [{ network: `${p}nowhere` }] })).toBe(
        'NETWORK_NOT_FOUND',
      );
      expect(await runCode({ name: 'a/b' })).toBe('VALIDATION_FAILED');
      expect(await codeOf(`{ container(ref: "${p}ghost") { id } }`)).toBe('CONTAINER_NOT_FOUND');
      const names = (await docker.listContainers({ all: true })).flatMap((c) => c.Names);
      for (const n of ['x1', 'x2', 'x3', 'x4']) expect(names).not.toContain(`/${p}${n}`);
    });

    describe('host: networkMode host', () => {
      let host: unknown;

      beforeAll(async () => {
        host = await run({ name: `${p}host`, networkMode: 'host' });
      });

      it('runs on the host network and reaches A by address', async () => {
        expect(host).toMatchObject({ networkMode: 'host' });
        expect((await docker.getContainer(`${p}host`).inspect()).HostConfig.NetworkMode).toBe('host');
        expect((await ping(`${p}host`, '10.206.1.10')).reachable).toBe(true);
      });
    });
  });

  it('overlay: attachable overlay network, ping by name', async () => {
    await createNetwork({
      name: `${p}ovl`,
      driver: 'overlay',
      attachable: true,
      ipam: { config: [{ subnet: '10.206.2.0/24' }] },
    });
    await run({ name: `${p}ovl-a`, networks: [{ network: `${p}ovl` }] });
    await run({ name: `${p}ovl-b`, networks: [{ network: `${p}ovl` }] });
    expect((await ping(`${p}ovl-a`, `${p}ovl-b`)).reachable).toBe(true);
  });

  it(`macvlan: chosen IP and MAC ${MACVLAN_MAC}, verified on the engine and inside, and a ping`, async () => {
    await createNetwork({
      name: `${p}mv`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT },
      ipam: { config: [{ subnet: '10.206.3.0/24', gateway: '10.206.3.1' }] },
    });
    const a = await run({
      name: `${p}mv-a`,
      networks: [{ network: `${p}mv`, ipv4Address: '10.206.3.10', macAddress: MACVLAN_MAC }],
    });
    expect(a.networks[0]).toMatchObject({ ipv4Address: '10.206.3.10', macAddress: MACVLAN_MAC });
    await run({ name: `${p}mv-b`, networks: [{ network: `${p}mv`, ipv4Address: '10.206.3.11' }] });
    expect(await endpoint(`${p}mv-a`, `${p}mv`)).toMatchObject({
      IPAddress: '10.206.3.10',
      MacAddress: MACVLAN_MAC,
    });
    const inside = await execIn(`${p}mv-a`, ['ip', 'addr', 'show', 'eth0']);
    expect(inside.output).toContain('10.206.3.10/24');
    expect(inside.output).toContain(MACVLAN_MAC);
    expect(await ping(`${p}mv-a`, `${p}mv-b`)).toMatchObject({
      reachable: true,
      resolvedAddress: '10.206.3.11',
    });
  });

  it('logs by stream, and the lifecycle: stop, start, restart, remove', async () => {
    await run({ name: `${p}talk`, command: ['sh', '-c', 'echo one; echo two >&2; sleep 3600'] });
    const items = await waitFor(
      async () => {
        const lines: Array<{ stream: string; text: string }> = (
          await ok(`{ containerLogs(ref: "${p}talk", tail: 10) { items { stream text timestamp } } }`)
        ).containerLogs.items;
        return lines.length >= 2 && lines;
      },
      { what: 'both log lines of the container' },
    );
    expect(items.map((l) => [l.stream, l.text]).sort()).toEqual([
      ['stderr', 'two'],
      ['stdout', 'one'],
    ]);

    const stopped = await ok(`mutation { stopContainer(ref: "${p}talk", timeout: 0) { state exitCode } }`);
    expect(stopped.stopContainer.state).toBe('exited');
    expect((await docker.getContainer(`${p}talk`).inspect()).State.Running).toBe(false);
    expect(
      await codeOf(`mutation { exec(ref: "${p}talk", input: { command: ["true"] }) { exitCode } }`),
    ).toBe('CONTAINER_NOT_RUNNING');
    const started = await ok(`mutation { startContainer(ref: "${p}talk") { state } }`);
    expect(started.startContainer.state).toBe('running');
    const restarted = await ok(`mutation { restartContainer(ref: "${p}talk", timeout: 0) { state } }`);
    expect(restarted.restartContainer.state).toBe('running');
    expect(await codeOf(`mutation { removeContainer(ref: "${p}talk") }`)).toBe('CONTAINER_RUNNING');
    expect((await ok(`mutation { removeContainer(ref: "${p}talk", force: true) }`)).removeContainer).toBe(
      true,
    );
    expect((await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${p}talk`))).toBe(
      false,
    );
  });
});

describe('exec queue over GraphQL', () => {
  const p = runPrefix('gqlq');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ EXEC_CONCURRENCY: 1, EXEC_QUEUE_TIMEOUT_MS: 200, EXEC_MAX_TIMEOUT_MS: 600_000 });
    await t.http
      .post('/api/v1/containers')
      .send({ name: `${p}busy`, image: TEST_IMAGE, command: ['sleep', '3600'] })
      .expect(201);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('answers EXEC_BUSY when the queue does not move in time', async () => {
    // The one slot is held by a command that runs until the test lets it end, so the queue
    // cannot move however slow the machine is.
    const gate = '/tmp/sy-release';
    const hold = `until [ -e ${gate} ]; do sleep 0.1; done`;
    const long = t
      .gql(`mutation($i: ExecInput!) { exec(ref: "${p}busy", input: $i) { exitCode timedOut } }`, {
        i: { command: ['sh', '-c', hold], timeoutMs: 600_000 },
      })
      .then((r) => r);
    await waitFor(
      async () => {
        const { ExecIDs } = await docker.getContainer(`${p}busy`).inspect();
        for (const id of ExecIDs ?? []) {
          const exec = await docker.getExec(id).inspect();
          if (exec.Running && exec.ProcessConfig.arguments.includes(hold)) return true;
        }
        return false;
      },
      { what: 'the engine to run the command that holds the exec slot' },
    );

    const busy = await t
      .gql(`mutation { exec(ref: "${p}busy", input: { command: ["true"] }) { exitCode } }`)
      .expect(200);
    expect(busy.body.errors[0].extensions.code).toBe('EXEC_BUSY');

    expect(await execIn(`${p}busy`, ['sh', '-c', `: > ${gate}`])).toMatchObject({ exitCode: 0 });
    expect((await long).body.data.exec).toEqual({ exitCode: 0, timedOut: false });
  });
});
