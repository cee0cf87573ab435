// The planner against what real engines answer (raw inspect JSON through the adapter's own
// mappers): Docker 20.10 (API 1.41) and 26.1 (API 1.45), running and stopped containers.

import { HASH_LABEL, REVISION_LABEL } from '../../src/common/labels';
import {
  toContainerInfo,
  toNetwork,
  type RawContainerInspect,
  type RawNetwork,
} from '../../src/engine/dockerode.mappers';
import { desiredState } from '../../src/templates/planning/desired-state';
import { planTemplate, templateDrift, type LiveState } from '../../src/templates/planning/planner';
import type { DesiredState, TemplateDocument } from '../../src/templates/template.types';

const INSTANCE = 'inst-1';
const context = { instanceId: INSTANCE };
const FRONT_ID = 'a'.repeat(64);
const BACK_ID = 'b'.repeat(64);
const WEB_ID = '3f4e5d6c7b8a' + '1'.repeat(52);
const DB_ID = '9e8d7c6b5a4f' + '2'.repeat(52);

const document: TemplateDocument = {
  name: 'lab',
  networks: {
    front: { ipam: { config: [{ subnet: '10.77.1.0/24' }] } },
    back: { internal: true, enableIPv6: true, ipam: { config: [{ subnet: 'fd00:77::/64' }] } },
  },
  containers: {
    web: {
      image: 'busybox:test',
      command: ['sleep', '3600'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
      networks: {
        front: { ipv4Address: '10.77.1.10', macAddress: '02:42:0A:4D:01:0A', aliases: ['www'] },
        back: { ipv6Address: 'fd00:77::10' },
      },
    },
    db: { image: 'busybox:test', entrypoint: ['sh', '-c'], command: ['sleep 3600'], networks: { back: {} } },
  },
};

const desired = desiredState(document, 1, INSTANCE);

function labelsOf(state: DesiredState, name: string): Record<string, string> {
  const resource = [...state.networks, ...state.containers].find((r) => r.name === name);
  if (!resource) throw new Error(name);
  return { ...resource.spec.labels, [REVISION_LABEL]: '1', [HASH_LABEL]: resource.hash };
}

// Network inspect as 20.10 answers it: the subnet as given, a gateway it chose, an IPv6 entry.
function rawNetworks(): RawNetwork[] {
  return [
    {
      Name: 'front',
      Id: FRONT_ID,
      Created: '2026-11-30T09:00:00.123456789Z',
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.77.1.0/24', Gateway: '10.77.1.1' }] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      Options: {},
      Labels: labelsOf(desired, 'front'),
    },
    {
      Name: 'back',
      Id: BACK_ID,
      Created: '2026-11-30T09:00:00.2Z',
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: true,
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [{ Subnet: '172.19.0.0/16', Gateway: '172.19.0.1' }, { Subnet: 'fd00:77::/64' }],
      },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      Options: { 'com.docker.network.enable_ipv4': 'true' },
      Labels: labelsOf(desired, 'back'),
    },
  ];
}

// Container inspect: 20.10 adds the short id to the aliases and reports the MAC it was given in
// upper case as lower case; a stopped container keeps its requested addresses but no IP or MAC.
function rawWeb(api: '1.41' | '1.45', running: boolean): RawContainerInspect {
  const short = WEB_ID.slice(0, 12);
  return {
    Id: WEB_ID,
    Name: '/web',
    Created: '2026-11-30T09:00:01Z',
    Path: 'sleep',
    Args: ['3600'],
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      ExitCode: running ? 0 : 137,
      StartedAt: '2026-11-30T09:00:02Z',
      FinishedAt: running ? '0001-01-01T00:00:00Z' : '2026-11-30T09:10:00Z',
    },
    Config: {
      Hostname: short,
      Image: 'busybox:test',
      MacAddress: api === '1.41' ? '02:42:0A:4D:01:0A' : '',
      Labels: { ...labelsOf(desired, 'web'), 'org.opencontainers.image.version': '1.35' },
    },
    HostConfig: { NetworkMode: FRONT_ID, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    NetworkSettings: {
      Networks: {
        front: {
          IPAMConfig: { IPv4Address: '10.77.1.10' },
          Aliases: api === '1.41' ? ['www', short] : ['www'],
          NetworkID: FRONT_ID,
          EndpointID: running ? 'e'.repeat(64) : '',
          IPAddress: running ? '10.77.1.10' : '',
          GlobalIPv6Address: '',
          MacAddress: running || api === '1.45' ? '02:42:0a:4d:01:0a' : '',
        },
        back: {
          IPAMConfig: { IPv6Address: 'fd00:77:0:0:0:0:0:10' },
          Aliases: api === '1.41' ? [short] : null,
          NetworkID: BACK_ID,
          EndpointID: running ? 'f'.repeat(64) : '',
          IPAddress: running ? '172.19.0.2' : '',
          GlobalIPv6Address: running ? 'fd00:77::10' : '',
          MacAddress: running ? '02:42:ac:13:00:02' : '',
        },
      },
    },
  };
}

function rawDb(): RawContainerInspect {
  return {
    Id: DB_ID,
    Name: '/db',
    Path: 'sh',
    Args: ['-c', 'sleep 3600'],
    State: { Status: 'running', Running: true, ExitCode: 0 },
    Config: { Hostname: DB_ID.slice(0, 12), Image: 'busybox:test', Labels: labelsOf(desired, 'db') },
    HostConfig: { NetworkMode: 'back', RestartPolicy: { Name: '', MaximumRetryCount: 0 } },
    NetworkSettings: {
      Networks: {
        back: {
          IPAMConfig: null,
          Aliases: [DB_ID.slice(0, 12)],
          NetworkID: BACK_ID,
          EndpointID: 'd'.repeat(64),
          IPAddress: '172.19.0.3',
          MacAddress: '02:42:ac:13:00:03',
        },
      },
    },
  };
}

function live(api: '1.41' | '1.45', webRunning = true): LiveState {
  return {
    networks: rawNetworks().map((n) => toNetwork(n, true)),
    containers: [toContainerInfo(rawWeb(api, webRunning)), toContainerInfo(rawDb())],
  };
}

describe.each(['1.41', '1.45'] as const)('planning against API %s', (api) => {
  it('takes nothing the engine filled in for a change', () => {
    const plan = planTemplate(desired, live(api), context);
    expect(plan.actions.map((a) => `${a.action} ${a.name}`)).toEqual([
      'unchanged back',
      'unchanged front',
      'unchanged db',
      'unchanged web',
    ]);
    expect(templateDrift(desired, live(api), context)).toEqual([]);
  });

  it('sees a stopped container as stopped, not as changed', () => {
    const plan = planTemplate(desired, live(api, false), context);
    expect(plan.actions.find((a) => a.name === 'web')).toMatchObject({
      action: 'recreate',
      reason: 'container is exited, want running: it will be started',
      changes: [{ path: 'state', from: 'exited', to: 'running' }],
    });
    expect(templateDrift(desired, live(api, false), context)).toEqual([
      { kind: 'container', name: 'web', reason: 'stopped (exited 137)' },
    ]);
  });

  it('sees a network recreated by hand with another subnet', () => {
    const state = live(api);
    state.networks[0].ipam.config = [{ subnet: '10.77.9.0/24', gateway: '10.77.9.1' }];
    const plan = planTemplate(desired, state, context);
    expect(plan.actions[0]).toMatchObject({
      action: 'recreate',
      kind: 'network',
      name: 'front',
      changes: [{ path: 'ipam.config[0].subnet', from: '10.77.9.0/24', to: '10.77.1.0/24' }],
    });
    expect(plan.actions[1]).toMatchObject({
      action: 'recreate',
      name: 'web',
      reason: 'network "front" is recreated',
    });
    expect(templateDrift(desired, state, context)).toEqual([
      {
        kind: 'network',
        name: 'front',
        reason: 'changed on the engine: ipam.config[0].subnet is 10.77.9.0/24, want 10.77.1.0/24',
      },
    ]);
  });
});
