import type { Actor } from '../../src/auth/roles';
import { DomainError } from '../../src/common/errors/domain-error';
import { INSTANCE_LABEL, TEMPLATE_LABEL } from '../../src/common/labels';
import { InstanceIdentity } from '../../src/instance/instance-identity';
import type { TemplateProblem } from '../../src/templates/template.types';
import { TemplateValidator } from '../../src/templates/validation/template-validator';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, findNetworks } from '../support/engine';
import { createKey } from '../support/memory-app';
import { runPrefix } from '../support/names';

// The template validator in the real application on the real engine: images, live subnets,
// and the policy and label scope of the caller's key. Subnets of this file: 10.161.0.0/16 and
// 10.162.0.0/16.

const actor = (name: string, role: Actor['role'], scope: Record<string, string> = {}): Actor => ({
  keyId: `${name}-id`,
  name,
  role,
  scope,
});
const admin = actor('admin', 'admin');
const operator = actor('operator', 'operator');
const scoped = actor('team-a', 'operator', { team: 'a' });

async function problemsOf(promise: Promise<unknown>): Promise<TemplateProblem[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('TEMPLATE_INVALID');
    return (error as DomainError).context?.problems as TemplateProblem[];
  }
  throw new Error('expected TEMPLATE_INVALID');
}

describe('template validation on the engine', () => {
  const p = runPrefix('tplval');
  let t: TestApp;
  let validator: TemplateValidator;
  let instanceId: string;

  const liveNetwork = async (
    name: string,
    subnet: string,
    labels: Record<string, string> = {},
    options: Record<string, string> = {},
  ) => {
    await docker.createNetwork({
      Name: name,
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      Labels: { [TEST_LABEL]: p, ...labels },
      Options: options,
    });
  };
  // A Linux interface name (at most 15 characters), of this run.
  const bridgeName = `syv${process.pid}${Date.now() % 1000}`.slice(0, 15);

  const template = (name: string) => ({
    name,
    networks: { front: { ipam: { config: [{ subnet: '10.161.1.0/24' }] } } },
    containers: {
      web: {
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        networks: { front: { ipv4Address: '10.161.1.10' } },
      },
      db: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { front: {} } },
    },
    expectations: [{ from: 'web', to: 'db', reachable: true }],
  });

  beforeAll(async () => {
    t = await startApp();
    validator = t.app.get(TemplateValidator);
    instanceId = t.app.get(InstanceIdentity).id;
    // Keys scoped by team and by tenant: scoped keys may not set labels that scope other keys.
    for (const [name, scope] of [
      [`${p}team-a`, { team: 'a' }],
      [`${p}tenant`, { tenant: 'x' }],
    ] as const) {
      await t.http.post('/api/v1/api-keys').send({ name, role: 'operator', scope }).expect(201);
    }
    await liveNetwork(`${p}theirs`, '10.162.1.0/24');
    await liveNetwork(
      `${p}bridged`,
      '10.162.3.0/24',
      { team: 'b' },
      { 'com.docker.network.bridge.name': bridgeName },
    );
    await liveNetwork(`${p}owned`, '10.162.2.0/24', {
      [TEMPLATE_LABEL]: `${p}lab`,
      [INSTANCE_LABEL]: instanceId,
    });
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  it('accepts a template whose images are on the engine, and answers it to store', async () => {
    const raw = template(`${p}lab`);
    await expect(validator.validate(raw, admin)).resolves.toEqual(raw);
    // Validation creates nothing.
    expect(await findNetworks(`${p}lab_front`)).toEqual([]);
    expect(await findNetworks('front')).toEqual([]);
  });

  it('tells an image that is not on the engine at every container that uses it', async () => {
    const absent = 'switchyard/absent-template-image:1';
    await expect(docker.getImage(absent).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const raw = template(`${p}lab`);
    raw.containers.web.image = absent;
    raw.containers.db.image = absent;
    const problems = await problemsOf(validator.validate(raw, admin));
    expect(problems.map((x) => x.path)).toEqual(['$.containers.web.image', '$.containers.db.image']);
    expect(problems[0].message).toMatch(/is not on the engine, and Switchyard never pulls images/);
  });

  it('tells overlaps with live networks it does not own, naming them only to keys that see them', async () => {
    const raw = {
      name: `${p}lab`,
      networks: {
        a: { ipam: { config: [{ subnet: '10.162.1.128/25' }] } },
        // The network this template made earlier (same template, same instance): apply replaces it.
        b: { ipam: { config: [{ subnet: '10.162.2.0/24' }] } },
      },
    };
    const forAdmin = await problemsOf(validator.validate(raw, admin));
    expect(forAdmin).toEqual([
      {
        path: '$.networks.a.ipam.config[0].subnet',
        message: `10.162.1.128/25 overlaps 10.162.1.0/24 of the network "${p}theirs" on the engine; choose a free subnet`,
      },
    ]);
    const forScoped = await problemsOf(validator.validate(raw, scoped));
    expect(forScoped).toEqual([
      {
        path: '$.networks.a.ipam.config[0].subnet',
        message:
          '10.162.1.128/25 overlaps the subnet of a network outside your scope on the engine; choose a free subnet',
      },
    ]);
    // Under another template's name, the owned network is someone else's.
    const other = await problemsOf(validator.validate({ ...raw, name: `${p}other` }, admin));
    expect(other.map((x) => x.message)).toEqual([
      expect.stringMatching(new RegExp(`of the network "${p}theirs"`)) as string,
      expect.stringMatching(new RegExp(`10\\.162\\.2\\.0/24 of the network "${p}owned"`)) as string,
    ]);
  });

  it('tells a bridge name a live network has, never naming one outside the key scope, and each overlap once', async () => {
    const raw = {
      name: `${p}lab`,
      networks: {
        a: { options: { 'com.docker.network.bridge.name': bridgeName } },
        // Overlaps the live network, whose bridge is an interface of the engine's host too.
        b: { ipam: { config: [{ subnet: '10.162.3.0/24' }] } },
      },
    };
    const forScoped = await problemsOf(validator.validate(raw, scoped));
    expect(forScoped).toEqual([
      {
        path: '$.networks.b.ipam.config[0].subnet',
        message:
          '10.162.3.0/24 overlaps the subnet of a network outside your scope on the engine; choose a free subnet',
      },
      {
        path: '$.networks.a.options["com.docker.network.bridge.name"]',
        message: `the bridge interface "${bridgeName}" belongs to a network outside your scope; choose another name`,
      },
    ]);
    const forAdmin = await problemsOf(validator.validate(raw, admin));
    expect(forAdmin.map((x) => x.message)).toEqual([
      `10.162.3.0/24 overlaps 10.162.3.0/24 of the network "${p}bridged" on the engine; choose a free subnet`,
      `the bridge interface "${bridgeName}" belongs to the network "${p}bridged"; choose another name`,
    ]);
    // Through REST, the same: TEMPLATE_INVALID, nothing created, no engine id of the network.
    const key = await createKey(t, `${p}team-a-rest`, 'operator', { team: 'a' });
    const created = await t.as(key).post('/api/v1/templates').send(raw).expect(400);
    expect(created.body).toMatchObject({ code: 'TEMPLATE_INVALID' });
    const [live] = await docker.listNetworks({ filters: { name: [`${p}bridged`] } });
    expect(JSON.stringify(created.body)).not.toContain(live.Id.slice(0, 12));
    expect(await findNetworks(`${p}lab`)).toEqual([]);
  });

  it("merges a scoped key's scope into the labels, and refuses labels outside it", async () => {
    const stored = await validator.validate(template(`${p}lab`), scoped);
    expect(stored.labels).toEqual({ team: 'a' });
    const raw = { ...template(`${p}lab`), labels: { team: 'b', tenant: 'x', role: 'lab' } };
    const problems = await problemsOf(validator.validate(raw, scoped));
    expect(problems.map((x) => x.path)).toEqual(['$.labels.team', '$.labels.tenant']);
    expect(problems[0].message).toMatch(/must be "a" for the key "team-a"/);
    expect(problems[1].message).toMatch(/The label tenant scopes other API keys/);
    // An unscoped key sets what it likes, but never Switchyard's own labels.
    await expect(validator.validate(raw, operator)).resolves.toMatchObject({ labels: raw.labels });
    const reserved = await problemsOf(
      validator.validate({ ...template(`${p}lab`), labels: { [TEMPLATE_LABEL]: 'x' } }, admin),
    );
    expect(reserved).toEqual([
      {
        path: `$.labels["${TEMPLATE_LABEL}"]`,
        message: expect.stringMatching(/is reserved/) as string,
      },
    ]);
  });

  it('keeps the host network and macvlan networks for admin keys', async () => {
    const raw = {
      name: `${p}lab`,
      networks: {
        lan: {
          driver: 'macvlan',
          options: { parent: 'sy-none0' },
          ipam: { config: [{ subnet: '10.161.20.0/24' }] },
        },
      },
      containers: {
        probe: { image: TEST_IMAGE, command: ['sleep', '60'], networkMode: 'host' },
        edge: {
          image: TEST_IMAGE,
          command: ['sleep', '60'],
          networks: { lan: { ipv4Address: '10.161.20.5' } },
        },
      },
    };
    const problems = await problemsOf(validator.validate(raw, operator));
    expect(problems).toEqual([
      {
        path: '$.networks.lan.driver',
        message: expect.stringMatching(/needs an admin key \(policy rule "parent-interface"\)/) as string,
      },
      {
        path: '$.containers.probe.networkMode',
        message: expect.stringMatching(/needs an admin key \(policy rule "host-network"\)/) as string,
      },
    ]);
    await expect(validator.validate(raw, admin)).resolves.toMatchObject({ name: `${p}lab` });
  });
});
