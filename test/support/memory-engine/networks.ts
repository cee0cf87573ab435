import type { HostNetwork } from '../../../src/common/net/host-interfaces';
import type { EngineFeatures, NetworkSpec, SwarmState } from '../../../src/engine/engine.types';
import { type DefaultPool, planIpam, subnetsOf } from './ipam';
import { type ContainerRecord, type NetworkRecord, withOperationLabel } from './model';
import { refuse } from './refusals';
import type { EngineState } from './state';

// Networks of the in-memory engine: what the engine checks when one is created or joined.

export interface NetworkSettings {
  swarm: SwarmState;
  host: HostNetwork;
  drivers: string[];
  pools: DefaultPool[];
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class NetworkRules {
  constructor(
    private readonly state: EngineState,
    private readonly settings: NetworkSettings,
    private readonly features: () => EngineFeatures,
  ) {}

  async create(spec: NetworkSpec): Promise<string> {
    const taken = () => this.state.networks().some((n) => n.name === spec.name);
    const nameTaken = () => refuse(409, `network with name ${spec.name} already exists`);
    if (taken()) throw nameTaken();
    if (!this.settings.drivers.includes(spec.driver)) throw refuse(404, `plugin "${spec.driver}" not found`);
    if (spec.driver === 'host' || spec.driver === 'null')
      throw refuse(403, `only one instance of "${spec.driver}" network is allowed`);
    const swarm = spec.driver === 'overlay';
    if (swarm && !(this.settings.swarm.localNodeState === 'active' && this.settings.swarm.isManager)) {
      throw refuse(
        503,
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
      );
    }
    if (spec.driver === 'macvlan' || spec.driver === 'ipvlan') this.checkParent(spec);
    const sameSpace = this.state.networks().filter((n) => (n.scope === 'swarm') === swarm);
    const ipam = planIpam(
      spec,
      sameSpace.flatMap(subnetsOf),
      swarm ? [] : this.settings.host.subnets.map((s) => s.cidr),
      swarm ? [{ base: '10.0.0.0/8', size: 24 }] : this.settings.pools,
    );
    // Before API 1.44 the engine's duplicate check (CheckDuplicate) and the creation are two
    // steps: creates of one name that race can both pass the check.
    if (!this.features().uniqueNetworkNames) {
      await tick();
    } else if (taken()) throw nameTaken();
    const id = this.state.newId();
    const options = { ...spec.options };
    if ((spec.driver === 'macvlan' || spec.driver === 'ipvlan') && !options.parent)
      options.parent = `dm-${id.slice(0, 12)}`;
    this.state.networkRecords.set(id, {
      id,
      name: spec.name,
      driver: spec.driver,
      scope: swarm ? 'swarm' : 'local',
      internal: spec.internal,
      attachable: spec.attachable,
      ingress: false,
      enableIPv6: spec.enableIPv6,
      ipamDriver: spec.ipam.driver,
      ipamOptions: { ...spec.ipam.options },
      ...ipam,
      options,
      labels: withOperationLabel(spec.labels),
      createdAt: this.state.now(),
      builtIn: false,
    });
    return id;
  }

  // The engine's refusals of a connection, before it looks at the endpoint's settings.
  checkConnect(network: NetworkRecord, container: ContainerRecord): void {
    if (network.driver === 'host')
      throw refuse(400, 'container cannot be disconnected from host network or connected to host network');
    if (container.networkMode === 'host' || container.networkMode.startsWith('container:'))
      throw refuse(
        400,
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    if (container.networkMode === 'none' || network.driver === 'null')
      throw refuse(
        400,
        'container cannot be connected to multiple networks with one of the networks in private (none) mode',
      );
    if (container.endpoints.some((e) => e.networkId === network.id))
      throw refuse(403, `endpoint with name ${container.name} already exists in network ${network.name}`);
    if (network.scope === 'swarm' && !network.attachable) {
      throw refuse(
        403,
        `Could not attach to network ${network.name}: rpc error: code = PermissionDenied desc = network ${network.name} not manually attachable`,
      );
    }
  }

  // Docker gives a parent interface to one macvlan (ipvlan) network at a time, and the parent
  // must exist on the host (a VLAN sub-interface is created from its parent).
  private checkParent(spec: NetworkSpec): void {
    const parent = spec.options.parent;
    if (!parent) return;
    if (!this.settings.host.interfaces.includes(parent.split('.')[0]))
      throw refuse(400, `-o parent interface was not found on the host: ${parent}`);
    const user = this.state.networks().find((n) => n.driver === spec.driver && n.options.parent === parent);
    if (user) throw refuse(403, `network ${user.id} is already using parent interface ${parent}`);
  }
}
