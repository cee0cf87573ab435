import { randomBytes } from 'node:crypto';
import type { StringMap, SwarmState } from '../../../src/engine/engine.types';
import { poolOf } from './ipam';
import type { NetworkRecord } from './model';
import type { EngineState } from './state';

// The networks an engine has before anyone creates one (as Docker 20.10 and 26.1 report them).
const BUILTIN_OPTIONS: StringMap = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
  'com.docker.network.driver.mtu': '1500',
};

export function addBuiltInNetworks(state: EngineState, swarm: SwarmState): void {
  const builtIn = (
    name: string,
    driver: string,
    config: NetworkRecord['config'],
    options: StringMap = {},
    extra: Partial<NetworkRecord> = {},
  ) => {
    const id = randomBytes(32).toString('hex');
    state.networkRecords.set(id, {
      id,
      name,
      driver,
      scope: 'local',
      internal: false,
      attachable: false,
      ingress: false,
      enableIPv6: false,
      ipamDriver: 'default',
      ipamOptions: {},
      config,
      pools: config.map(poolOf),
      userSubnets: false,
      options,
      labels: {},
      createdAt: state.now(),
      builtIn: true,
      ...extra,
    });
  };
  builtIn('bridge', 'bridge', [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }], BUILTIN_OPTIONS);
  builtIn('host', 'host', []);
  builtIn('none', 'null', []);
  if (swarm.localNodeState === 'active') {
    // What swarm mode adds: the routing mesh and the bridge that carries it to the host.
    builtIn('docker_gwbridge', 'bridge', [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }], {
      'com.docker.network.bridge.name': 'docker_gwbridge',
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
    });
    builtIn(
      'ingress',
      'overlay',
      [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }],
      {},
      { scope: 'swarm', ingress: true },
    );
  }
}
