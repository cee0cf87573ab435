import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE } from '../../support/memory-app';
import { BUSYBOX_IMAGE, MemoryEngine, NOPING_IMAGE } from '../../support/memory-engine';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../../support/test-app';

const PROBE_IMAGE = 'switchyard/probe:latest';

// Every diagnosis the connectivity service can give, listed in the README and in the service.
function documentedDiagnoses(): string[] {
  const root = join(__dirname, '..', '..', '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const paragraph =
    /`diagnosis` says why, checked in this order: [\s\S]*? when no probe can run/.exec(readme)?.[0] ?? '';
  const service = readFileSync(join(root, 'src/connectivity/connectivity.service.ts'), 'utf8');
  const inService = [
    ...service.matchAll(/(?:diagnose\(\s*|code: (?:\w+ \? )?)'([A-Z_]+)'(?: : '([A-Z_]+)')?/g),
  ].flatMap((m) => [m[1], m[2]].filter(Boolean));
  return [...new Set([...paragraph.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]).concat(inService))].sort();
}

// Ping and the connectivity matrix on the in-memory engine, whose busybox ping answers from the
// model: names resolve only on user-defined networks both ends share, the default bridge has no
// names, networks do not reach each other, internal networks lead nowhere, stopped ones answer not.
export function describeConnectivity(): void {
  describe('connectivity diagnoses', () => {
    const engine = new MemoryEngine({ apiVersion: '1.45' });
    let t: TestApp;
    const seen = new Set<string>();

    const ping = async (from: string, to: string) => {
      const res = await t.http.post('/api/v1/connectivity/ping').send({ from, to }).expect(200);
      if (res.body.diagnosis) seen.add(res.body.diagnosis.code);
      return res.body;
    };
    const run = (name: string, extra: Record<string, unknown>) =>
      t.http
        .post('/api/v1/containers')
        .send({ name, image: IMAGE, command: ['sleep', '3600'], ...extra })
        .expect(201);
    const address = (container: string, network: string) =>
      engine.container(container)!.endpoints.find((e) => e.networkName === network)!.ipv4Address!;

    beforeAll(async () => {
      t = await startAppOn(engine, { PROBE_IMAGE });
      const net = (name: string, subnet: string, internal = false) =>
        t.http
          .post('/api/v1/networks')
          .send({ name, internal, ipam: { config: [{ subnet }] } })
          .expect(201);
      await net('lan', '10.60.0.0/24');
      await net('vault', '10.60.1.0/24', true);
      await net('far', '10.60.2.0/24');
      await run('a', { networks: [{ network: 'lan', aliases: ['alpha'] }] });
      await run('b', { networks: [{ network: 'lan' }] });
      await run('c', { networks: [{ network: 'lan' }] });
      await run('mute', { image: NOPING_IMAGE.ref, networks: [{ network: 'lan' }] });
      await run('safe', { networks: [{ network: 'vault' }] });
      await run('f1', { networks: [{ network: 'far' }] });
      await run('br1', {});
      await run('br2', {});
      await run('nohost', { networkMode: 'none' });
      await t.http.post('/api/v1/containers/c/stop').expect(200);
    }, BOOT_TIMEOUT_MS);
    afterAll(() => t.close());

    it('reaches a container on a shared network by name, alias, short id and address', async () => {
      const b = address('b', 'lan');
      for (const to of ['b', engine.container('b')!.id.slice(0, 12), b]) {
        expect(await ping('a', to)).toEqual({
          from: 'a',
          to,
          reachable: true,
          resolvedAddress: b,
          transmitted: 3,
          received: 3,
          packetLoss: 0,
          rttMs: { min: 0.05, avg: 0.061, max: 0.072 },
          probe: 'exec',
          diagnosis: null,
        });
      }
      expect(await ping('b', 'alpha')).toMatchObject({
        reachable: true,
        resolvedAddress: address('a', 'lan'),
      });
      // Containers on the default bridge reach each other by address.
      expect(await ping('br1', address('br2', 'bridge'))).toMatchObject({ reachable: true, diagnosis: null });
      const graphql = await t.gql(
        '{ ping(input: { from: "a", to: "alpha" }) { reachable resolvedAddress probe diagnosis { code } } }',
      );
      expect(graphql.body.data.ping).toEqual({
        reachable: true,
        resolvedAddress: address('a', 'lan'),
        probe: 'exec',
        diagnosis: null,
      });
    });

    it('says when the source or the target is not running, without running a probe', async () => {
      engine.clearCalls();
      expect((await ping('c', 'b')).diagnosis.code).toBe('SOURCE_NOT_RUNNING');
      expect((await ping('a', 'c')).diagnosis).toEqual({
        code: 'TARGET_NOT_RUNNING',
        message: expect.stringContaining('"c" is exited'),
      });
      expect(engine.callsOf('exec')).toEqual([]);
    });

    it('says when two containers share no network, naming the networks of each', async () => {
      const answer = await ping('a', 'f1');
      expect(answer.diagnosis.code).toBe('NO_SHARED_NETWORK');
      expect(answer.diagnosis.message).toContain('"a" is on "lan", "f1" on "far"');
      expect(answer).toMatchObject({ reachable: false, probe: null });
    });

    it('says when a name does not resolve: the default bridge has no names, and unknown names are unknown', async () => {
      const bridge = await ping('br1', 'br2');
      expect(bridge).toMatchObject({ reachable: false, probe: 'exec', resolvedAddress: null });
      expect(bridge.diagnosis.code).toBe('NAME_NOT_RESOLVED');
      expect(bridge.diagnosis.message).toContain('default bridge network, which has no name resolution');
      const ghost = await ping('a', 'ghost');
      expect(ghost.diagnosis.code).toBe('NAME_NOT_RESOLVED');
      expect(ghost.diagnosis.message).toContain('no container, alias or host of that name');
    });

    it('says when the name server does not answer before the deadline (a command handler that hangs)', async () => {
      engine.execHandler = (context, simulate) =>
        context.command.at(-1) === 'slow.example' ? { exitCode: 1, runsForMs: 10 } : simulate(context);
      try {
        const answer = await ping('a', 'slow.example');
        expect(answer.diagnosis.code).toBe('NAME_NOT_RESOLVED');
        expect(answer.diagnosis.message).toContain('the name server the container uses did not answer');
      } finally {
        engine.execHandler = (context, simulate) => simulate(context);
      }
    });

    it.each(['1.45', '1.41'])(
      'says when the source is only on internal networks (API %s)',
      async (apiVersion) => {
        engine.setApiVersion(apiVersion);
        try {
          const answer = await ping('safe', '10.99.0.1');
          expect(answer.diagnosis.code).toBe('NETWORK_INTERNAL');
          expect(answer.diagnosis.message).toContain('only on internal networks ("vault")');
        } finally {
          engine.setApiVersion('1.45');
        }
      },
    );

    it('says when echo requests are lost: nobody at the address, no route, or a target that does not answer', async () => {
      const nobody = await ping('a', '10.60.0.200');
      expect(nobody).toMatchObject({
        transmitted: 3,
        received: 0,
        packetLoss: 100,
        resolvedAddress: '10.60.0.200',
      });
      expect(nobody.diagnosis.code).toBe('PACKET_LOSS');
      const noRoute = await ping('nohost', '10.99.0.1');
      expect(noRoute.diagnosis).toEqual({
        code: 'PACKET_LOSS',
        message: '"nohost" has no route to 10.99.0.1.',
      });
      // A firewall in the target: its echo requests go unanswered.
      const b = address('b', 'lan');
      engine.execHandler = (context, simulate) =>
        context.command.at(-1) === 'b'
          ? {
              exitCode: 1,
              stdout: `PING b (${b}): 56 data bytes\n\n--- b ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss\n`,
            }
          : simulate(context);
      try {
        const deaf = await ping('a', 'b');
        expect(deaf.diagnosis.code).toBe('PACKET_LOSS');
        expect(deaf.diagnosis.message).toContain(`All 3 echo requests to ${b} were lost`);
      } finally {
        engine.execHandler = (context, simulate) => simulate(context);
      }
    });

    it('pings from a helper in the network namespace of a source without ping, or says no probe can run', async () => {
      engine.clearCalls();
      const without = await ping('mute', 'b');
      expect(without.diagnosis.code).toBe('NO_PROBE');
      expect(without.diagnosis.message).toContain(PROBE_IMAGE);
      expect(engine.callsOf('runProbe')).toEqual([]);
      engine.addImage({ ...BUSYBOX_IMAGE, ref: PROBE_IMAGE, id: `sha256:${'d'.repeat(64)}` });
      try {
        expect(await ping('mute', 'b')).toMatchObject({
          reachable: true,
          probe: 'helper',
          resolvedAddress: address('b', 'lan'),
        });
        expect(engine.callsOf('runProbe')).toHaveLength(1);
        // The helper is gone again.
        expect(engine.allContainers().filter((c) => c.labels['io.switchyard.probe'])).toEqual([]);
      } finally {
        engine.removeImage(PROBE_IMAGE);
      }
    });

    it('measures every ordered pair of running containers on a network, one probe per source', async () => {
      engine.addImage({ ...BUSYBOX_IMAGE, ref: PROBE_IMAGE, id: `sha256:${'d'.repeat(64)}` });
      try {
        engine.clearCalls();
        const res = await t.http.post('/api/v1/connectivity/matrix').send({ network: 'lan' }).expect(200);
        const pairs = res.body.results.map((r: { from: string; to: string; reachable: boolean }) => [
          r.from,
          r.to,
          r.reachable,
        ]);
        expect(pairs).toEqual([
          ['a', 'b', true],
          ['a', 'mute', true],
          ['b', 'a', true],
          ['b', 'mute', true],
          ['mute', 'a', true],
          ['mute', 'b', true],
        ]);
        expect(res.body.results[0]).toMatchObject({
          address: address('b', 'lan'),
          rttMs: { min: 0.05, avg: 0.05, max: 0.05 },
        });
        // One exec per source; the source without a shell gets a helper.
        expect(engine.callsOf('exec')).toHaveLength(3);
        expect(engine.callsOf('runProbe')).toHaveLength(1);
        const graphql = await t.gql(
          '{ connectivityMatrix(input: { network: "lan" }) { network results { from to reachable } } }',
        );
        expect(
          graphql.body.data.connectivityMatrix.results.map(
            (r: { from: string; to: string; reachable: boolean }) => [r.from, r.to, r.reachable],
          ),
        ).toEqual(pairs);
        const alone = await t.http.post('/api/v1/connectivity/matrix').send({ network: 'vault' }).expect(200);
        expect(alone.body.results).toEqual([]);
      } finally {
        engine.removeImage(PROBE_IMAGE);
      }
    });

    it('has given every documented diagnosis', () => {
      expect([...seen].sort()).toEqual(documentedDiagnoses());
      expect(documentedDiagnoses()).toHaveLength(7);
    });
  });
}
