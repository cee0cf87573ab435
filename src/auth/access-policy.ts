import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { notFound } from '../common/reference/resolve-reference';
import { MANAGED_LABEL } from '../common/labels';
import type { ContainerInfo, ContainerSummary, NetworkInfo } from '../engine/engine.types';
import { isBuiltIn } from '../lookup/network-facts';
import { aRole, type Actor } from './roles';

export interface Guarded {
  kind: 'network' | 'container';
  name: string;
  labels: Record<string, string>;
  // Docker's own networks (bridge, host, none...): visible to every key, changed by admins only.
  builtIn?: boolean;
}

// Drivers whose networks attach to a host interface: what joins them is on the host's LAN.
export const PARENT_INTERFACE_DRIVERS: ReadonlySet<string> = new Set(['macvlan', 'ipvlan']);

// Power that only admin keys have, and what about a resource gives it.
export interface HostLevelReach {
  rule: 'host-network' | 'parent-interface';
  why: string;
}

const describe = (scope: Record<string, string>) =>
  Object.entries(scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

// Which networks and containers a key may see and change.
@Injectable()
export class AccessPolicy {
  inScope(actor: Actor, labels: Record<string, string>): boolean {
    return Object.entries(actor.scope).every(([key, value]) => labels[key] === value);
  }

  canSee(actor: Actor, target: Guarded): boolean {
    return target.builtIn === true || this.inScope(actor, target.labels);
  }

  // A scope is a wall: what is outside it is answered exactly like what does not exist.
  assertVisible(actor: Actor, target: Guarded): void {
    if (!this.canSee(actor, target)) {
      throw notFound(
        target.name,
        target.kind,
        target.kind === 'network' ? 'NETWORK_NOT_FOUND' : 'CONTAINER_NOT_FOUND',
      );
    }
  }

  // True when the key reaches everything (no scope): nothing needs to be hidden from it.
  unscoped(actor: Actor): boolean {
    return Object.keys(actor.scope).length === 0;
  }

  // Changing needs the resource in scope, and made by Switchyard unless the key is an admin key.
  assertChangeable(actor: Actor, target: Guarded): void {
    this.assertVisible(actor, target);
    if (actor.role !== 'admin' && target.labels[MANAGED_LABEL] !== 'true') {
      throw new DomainError(
        'FORBIDDEN',
        `The ${target.kind} "${target.name}" was not created by Switchyard; only an admin key may change it.`,
        { context: { [target.kind]: target.name } },
      );
    }
  }

  // Labels that everything a scoped key creates carries, so that it stays within its reach. A
  // scoped key may not set a label that other keys are scoped by (`scopeLabelKeys`): that would
  // put what it makes within another scope's reach.
  labelsFor(
    actor: Actor,
    requested: Record<string, string> = {},
    scopeLabelKeys: ReadonlySet<string> = new Set(),
  ): Record<string, string> {
    if (Object.keys(actor.scope).length > 0) {
      const widening = Object.keys(requested).find((key) => scopeLabelKeys.has(key) && !(key in actor.scope));
      if (widening) {
        throw new DomainError(
          'FORBIDDEN',
          `The label ${widening} scopes other API keys: the key "${actor.name}" (scope ${describe(actor.scope)}) may not set it, ` +
            'since that would put what it creates within their reach. Leave the label out, or ask an admin.',
          { context: { label: widening, scope: actor.scope } },
        );
      }
    }
    for (const [key, value] of Object.entries(actor.scope)) {
      if (key in requested && requested[key] !== value) {
        throw new DomainError(
          'FORBIDDEN',
          `The label ${key} must be "${value}" for the key "${actor.name}" (its scope is ${describe(actor.scope)}).`,
          {
            context: { label: key, scope: actor.scope },
          },
        );
      }
    }
    return { ...requested, ...actor.scope };
  }

  // The scope as engine label filters (`key=value`).
  labelFilters(actor: Actor): string[] {
    return Object.entries(actor.scope).map(([k, v]) => `${k}=${v}`);
  }

  network(network: NetworkInfo): Guarded {
    return { kind: 'network', name: network.name, labels: network.labels, builtIn: isBuiltIn(network) };
  }

  container(container: ContainerInfo | ContainerSummary): Guarded {
    return {
      kind: 'container',
      name: container.names[0] ?? container.id.slice(0, 12),
      labels: container.labels,
    };
  }

  // What gives a container power over the host: sharing the host's network stack, or being on a
  // network that attaches to a host interface. `networks` resolves its endpoints (a stopped
  // container's endpoints carry the network's name only).
  hostLevelReach(container: ContainerSummary, networks: readonly NetworkInfo[]): HostLevelReach | null {
    if (container.networkMode === 'host') {
      return { rule: 'host-network', why: "it is on the host network (it shares the host's network stack)" };
    }
    for (const endpoint of container.endpoints) {
      const network = networks.find((n) =>
        endpoint.networkId ? n.id === endpoint.networkId : n.name === endpoint.networkName,
      );
      if (network && PARENT_INTERFACE_DRIVERS.has(network.driver)) {
        return {
          rule: 'parent-interface',
          why: `it is on the ${network.driver} network "${network.name}" (it attaches to a host interface)`,
        };
      }
    }
    return null;
  }

  // Running commands in a container, starting, stopping, restarting, removing, connecting or
  // disconnecting it: the key must be able to change it, and only an admin key may drive one
  // with power over the host.
  assertMayDrive(
    actor: Actor,
    container: ContainerInfo | ContainerSummary,
    networks: readonly NetworkInfo[],
    verb: string,
  ): void {
    const guarded = this.container(container);
    this.assertChangeable(actor, guarded);
    if (actor.role === 'admin') return;
    const reach = this.hostLevelReach(container, networks);
    if (reach) {
      throw new DomainError(
        'POLICY_VIOLATION',
        `Only an admin key may ${verb} the container "${guarded.name}": ${reach.why} (policy rule "${reach.rule}"). ` +
          `The key "${actor.name}" is ${aRole(actor.role)} key.`,
        { context: { rule: reach.rule, container: guarded.name } },
      );
    }
  }

  // True when the key may run commands in the container (see assertMayDrive).
  mayDrive(actor: Actor, container: ContainerSummary, networks: readonly NetworkInfo[]): boolean {
    const labels = container.labels;
    if (!this.inScope(actor, labels)) return false;
    if (actor.role === 'admin') return true;
    return labels[MANAGED_LABEL] === 'true' && this.hostLevelReach(container, networks) === null;
  }

  // Joining a network that attaches to a host interface puts the container on the host's LAN.
  assertMayAttach(actor: Actor, network: NetworkInfo): void {
    this.assertMayAlterNetwork(actor, network, 'Attaching a container to');
  }

  // Everything on a network that attaches to a host interface is for admin keys, as creating it
  // is: attaching, detaching, removing. `doing` begins the refusal ("Removing").
  assertMayAlterNetwork(actor: Actor, network: NetworkInfo, doing: string): void {
    if (PARENT_INTERFACE_DRIVERS.has(network.driver)) {
      this.assertAdmin(
        actor,
        'parent-interface',
        `${doing} the ${network.driver} network "${network.name}" (it attaches to a host interface)`,
      );
    }
  }

  // True for networks only admin keys may change (see assertMayAlterNetwork).
  hostLevelNetwork(network: NetworkInfo): boolean {
    return PARENT_INTERFACE_DRIVERS.has(network.driver);
  }

  assertAdmin(actor: Actor, rule: string, what: string): void {
    if (actor.role !== 'admin') {
      throw new DomainError(
        'POLICY_VIOLATION',
        `${what} needs an admin key (policy rule "${rule}"); the key "${actor.name}" is ${aRole(actor.role)} key.`,
        {
          context: { rule },
        },
      );
    }
  }
}
