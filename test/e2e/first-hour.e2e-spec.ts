import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { startApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { TEST_LABEL } from '../support/constants';
import { cleanupEngine, findNetworks } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { ServiceProcesses } from '../support/service-process';
import { runTempDir } from '../support/temp';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ADMIN_CLI = join(ROOT, 'dist', 'cli', 'admin-key.js');

// What a newcomer meets in the first hour: a key pasted with its scheme twice, the browser's
// /favicon.ico, the lost-key command's --help, a port that is taken, and IPv6 without a subnet.
describe('first hour', () => {
  const p = runPrefix('first');
  let t: TestApp;
  let port: number;

  const entriesOf = (requestId: string) =>
    t.app
      .get(DataSource)
      .getRepository(AuditEntryEntity)
      .find({ where: { requestId }, order: { id: 'ASC' } });

  beforeAll(async () => {
    await cleanupEngine(p);
    t = await startApp();
    port = await listenOnLoopback(t);
  });
  afterAll(async () => {
    await t?.close();
    await cleanupEngine(p);
  });

  describe('"Bearer Bearer <key>"', () => {
    const doubled = `Bearer Bearer ${TEST_ADMIN_KEY}`;

    it('is answered on REST and GraphQL as the scheme twice, with the key sent once as the fix', async () => {
      const rest = await t.anon.get('/api/v1/networks').set('authorization', doubled).expect(401);
      expect(rest.body.code).toBe('UNAUTHENTICATED');
      expect(rest.body.detail).toContain('the scheme twice ("Bearer Bearer")');
      expect(rest.body.detail).toContain('send the key once after "Bearer "');
      expect(rest.body.detail).not.toContain(TEST_ADMIN_KEY);
      const gql = await t.anon
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', doubled)
        .send({ query: '{ networks { name } }' })
        .expect(401);
      expect(gql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(gql.body.errors[0].message).toContain('the scheme twice ("Bearer Bearer")');
      expect(gql.body.errors[0].message).not.toContain(TEST_ADMIN_KEY);
    });

    it('is answered in the close reason of a graphql-ws connection', async () => {
      const reason = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
        ws.on('open', () =>
          ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: doubled } })),
        );
        ws.on('close', (_code, why: Buffer) => resolve(why.toString()));
      });
      expect(reason).toContain('The authorization param has the scheme twice ("Bearer Bearer")');
      expect(reason).not.toContain(TEST_ADMIN_KEY);
    });
  });

  it('answers GET and HEAD /favicon.ico with 204 and no key, audits neither, and still refuses other methods', async () => {
    const get = await t.anon.get('/favicon.ico').set('x-request-id', `${p}icon-get`).expect(204);
    expect(get.text).toBe('');
    await t.anon.head('/favicon.ico').set('x-request-id', `${p}icon-head`).expect(204);
    await t.anon.post('/favicon.ico').set('x-request-id', `${p}icon-post`).expect(401);
    await t.anon.get('/favicon.icon').set('x-request-id', `${p}icon-other`).expect(401);
    // The refusals are audited, in order: once the last is there, the icon's requests would be too.
    await waitFor(async () => (await entriesOf(`${p}icon-other`)).length === 1, {
      what: 'the audit entry of the refused request',
      timeoutMs: 10_000,
    });
    expect(await entriesOf(`${p}icon-post`)).toHaveLength(1);
    expect(await entriesOf(`${p}icon-get`)).toEqual([]);
    expect(await entriesOf(`${p}icon-head`)).toEqual([]);
  });

  describe('a network with enableIPv6', () => {
    const name = `${p}v6`;

    it('and only an IPv4 subnet is refused for its missing IPv6 subnet, and not created', async () => {
      const res = await t.http
        .post('/api/v1/networks')
        .send({
          name,
          enableIPv6: true,
          labels: { [TEST_LABEL]: '1' },
          ipam: { config: [{ subnet: '10.229.7.0/24' }] },
        })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.detail).toContain('ipam.config needs an IPv6 subnet');
      expect(res.body.detail).toContain('enableIPv6');
      expect(res.body.detail).not.toContain('prune');
      expect(await findNetworks(name)).toEqual([]);
      // The refusal is in the audit log as the network's create that failed.
      const audit = await t.http
        .get('/api/v1/audit-logs')
        .query({ action: 'network.create', limit: 20 })
        .expect(200);
      const entry = (
        audit.body.items as Array<{ target: { name: string }; phase: string; errorCode: string | null }>
      ).find((e) => e.target.name === name && e.phase === 'outcome');
      expect(entry?.errorCode).toBe('VALIDATION_FAILED');
    });

    it('and an IPv6 subnet next to the IPv4 one is created', async () => {
      const res = await t.http
        .post('/api/v1/networks')
        .send({
          name,
          enableIPv6: true,
          labels: { [TEST_LABEL]: '1' },
          ipam: { config: [{ subnet: '10.229.7.0/24' }, { subnet: 'fd00:229:7::/64' }] },
        })
        .expect(201);
      expect(res.body.enableIPv6).toBe(true);
      const [created] = await findNetworks(name);
      expect(created.EnableIPv6).toBe(true);
      expect(created.IPAM?.Config?.map((c) => c.Subnet)).toEqual(['10.229.7.0/24', 'fd00:229:7::/64']);
      await t.http.delete(`/api/v1/networks/${name}`).expect(204);
      expect(await findNetworks(name)).toEqual([]);
    });
  });
});

// The built service and CLI, run as a person runs them.
describe('first hour: the built service and key:admin', () => {
  const dir = runTempDir('first-');
  const services = new ServiceProcesses();
  let blocker: Server | null = null;

  afterEach(async () => {
    await services.stopAll();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = null;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says in one line, without a stack, that the port is taken, and exits non-zero', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const service = services.start({
      PORT: String(taken),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'taken.sqlite'),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'info',
    });
    const exit = await service.exit;
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    const output = service.output();
    expect(output).toContain(
      `switchyard: port ${taken} on 127.0.0.1 is taken - is Switchyard already running? set PORT or HOST\n`,
    );
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain('EADDRINUSE');
  });

  const adminKey = (args: string[], databasePath: string) =>
    run(process.execPath, [ADMIN_CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: databasePath },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('key:admin --help prints the usage and exits 0; --name given twice is refused with exit code 2', async () => {
    expect(existsSync(ADMIN_CLI)).toBe(true);
    const databasePath = join(dir, 'never-made.sqlite');
    for (const flag of ['--help', '-h']) {
      const help = await adminKey([flag], databasePath);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: npm run key:admin -- --name <name>');
      expect(help.stderr).toBe('');
    }
    const twice = await adminKey(['--name', 'a', '--name', 'b'], databasePath);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--name is given more than once');
    expect(twice.stdout).toBe('');
    // Refused before anything was looked at or written.
    expect(existsSync(databasePath)).toBe(false);
  });
});
