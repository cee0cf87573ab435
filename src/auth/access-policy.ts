import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { notFound } from '../common/reference/resolve-reference';
import { MANAGED_LABEL } from '../common/labels';
import type { ContainerInfo, ContainerSummary, NetworkInfo } from '../engine/engine.types';
import { isBuiltIn } from '../lookup/network-facts';
import type { Actor } from './roles';

export interface Guarded {
  kind: 'network' | 'container';
  name: string;
  labels: Record<string, string>;
  // Docker's own networks (bridge, host, none...): visible to every key, changed by admins only.
  builtIn?: boolean;
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

  // Labels that everything a scoped key creates carries, so that it stays within its reach.
  labelsFor(actor: Actor, requested: Record<string, string> = {}): Record<string, string> {
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

  assertAdmin(actor: Actor, rule: string, what: string): void {
    if (actor.role !== 'admin') {
      throw new DomainError(
        'POLICY_VIOLATION',
        `${what} needs an admin key (policy rule "${rule}"); the key "${actor.name}" is a ${actor.role} key.`,
        {
          context: { rule },
        },
      );
    }
  }
}
