import { DomainError } from '../common/errors/domain-error';
import type { HostNetwork } from '../common/net/host-interfaces';
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../common/net/ip';
import type { NetworkInfo, NetworkSpec } from '../engine/engine.types';
import { BRIDGE_NAME_OPTION } from './network-spec';

// Rules a new network must keep with what already exists. Pure: the caller lists the networks.

export function assertNoSubnetOverlap(
  spec: NetworkSpec,
  subnets: Cidr[],
  existing: NetworkInfo[],
  host: HostNetwork | null,
  canSee: (network: NetworkInfo) => boolean = () => true,
): void {
  for (const subnet of subnets) {
    for (const other of existing) {
      for (const config of other.ipam.config) {
        const parsed = config.subnet ? parseCidr(config.subnet) : null;
        if (parsed?.ok && cidrsOverlap(parsed.cidr, subnet) && !canSee(other)) {
          throw new DomainError(
            'SUBNET_OVERLAP',
            `Subnet ${formatCidr(subnet)} overlaps the subnet of a network outside your scope; choose a free subnet.`,
            { context: { subnet: formatCidr(subnet) } },
          );
        }
        if (parsed?.ok && cidrsOverlap(parsed.cidr, subnet)) {
          throw new DomainError(
            'SUBNET_OVERLAP',
            `Subnet ${formatCidr(subnet)} overlaps ${config.subnet} of network "${other.name}"; choose a free subnet.`,
            {
              context: {
                subnet: formatCidr(subnet),
                network: other.name,
                networkId: other.id,
                networkSubnet: config.subnet,
              },
            },
          );
        }
      }
    }
    // A bridge on the engine's own LAN would cut the host off from it. Macvlan and ipvlan
    // networks share their parent's LAN on purpose.
    if (host && spec.driver === 'bridge') {
      const clash = host.subnets.find((h) => cidrsOverlap(h.cidr, subnet));
      if (clash) {
        throw new DomainError(
          'SUBNET_OVERLAP',
          `Subnet ${formatCidr(subnet)} overlaps ${formatCidr(clash.cidr)} of the host interface ${clash.interfaceName}; ` +
            'a bridge there would shadow the host network. Choose another subnet.',
          {
            context: {
              subnet: formatCidr(subnet),
              hostInterface: clash.interfaceName,
              hostSubnet: formatCidr(clash.cidr),
            },
          },
        );
      }
    }
  }
}

// The engine lets a new bridge network take over the Linux bridge of another one (docker0
// included), which breaks both; it refuses only names of interfaces that are not bridges.
export function assertBridgeNameFree(
  spec: NetworkSpec,
  existing: NetworkInfo[],
  host: HostNetwork | null,
  canSee: (network: NetworkInfo) => boolean = () => true,
): void {
  const name = spec.options[BRIDGE_NAME_OPTION];
  if (spec.driver !== 'bridge' || !name) return;
  const owner = existing.find(
    (n) => n.driver === 'bridge' && (n.options[BRIDGE_NAME_OPTION] ?? `br-${n.id.slice(0, 12)}`) === name,
  );
  if (owner && !canSee(owner)) {
    throw new DomainError(
      'BRIDGE_NAME_TAKEN',
      `The bridge interface "${name}" belongs to a network outside your scope; choose another name.`,
      { context: { bridgeName: name } },
    );
  }
  if (owner) {
    throw new DomainError(
      'BRIDGE_NAME_TAKEN',
      `The bridge interface "${name}" belongs to network "${owner.name}"; choose another name.`,
      {
        context: { bridgeName: name, network: owner.name },
      },
    );
  }
  if (host?.interfaces.includes(name)) {
    throw new DomainError(
      'BRIDGE_NAME_TAKEN',
      `An interface named "${name}" already exists on the host; choose another bridge name.`,
      {
        context: { bridgeName: name },
      },
    );
  }
}

// Docker gives a host interface to one macvlan network (and one ipvlan network) at a time.
export function assertParentFree(spec: NetworkSpec, existing: NetworkInfo[]): void {
  const parent = spec.options.parent;
  if (!parent || (spec.driver !== 'macvlan' && spec.driver !== 'ipvlan')) return;
  const user = existing.find((n) => n.driver === spec.driver && n.options.parent === parent);
  if (user) {
    throw new DomainError(
      'PARENT_INTERFACE_IN_USE',
      `The interface "${parent}" is already the parent of the ${spec.driver} network "${user.name}"; Docker allows one ${spec.driver} ` +
        `network per parent. Use another interface, or a VLAN sub-interface such as ${parent}.10.`,
      { context: { parent, network: user.name } },
    );
  }
}
