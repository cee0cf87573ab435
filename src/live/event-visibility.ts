import type { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import type { EventSubject, ObservedEvent } from '../engine/read-model/read-model.types';
import { BUILTIN_NETWORK_NAMES } from '../lookup/network-facts';
import { baseAction } from './event-filter';
import type { PublishedEngineEvent } from './live.types';

// Actions whose text carries the command run (`exec_start: sh -c ...`): a container read never
// shows exec commands, so viewers get the bare action.
const COMMAND_ACTIONS = new Set(['exec_create', 'exec_start', 'exec_detach']);

// Whether a key may learn anything of an event. A key without scope sees every event. A scoped
// key sees an event only when every object it names is one the key could read: its subject
// (known to the read model; an unknown one is hidden), and for a connect or disconnect both the
// network and the container (else the whole event is dropped, so that neither side's id, name or
// attributes leak). Docker's own networks are visible to every key, as in reads.
export function mayReceive(event: ObservedEvent, actor: Actor, policy: AccessPolicy): boolean {
  if (policy.unscoped(actor)) return true;
  const seen = (kind: 'network' | 'container', subject: EventSubject | null) =>
    subject !== null &&
    policy.canSee(actor, {
      kind,
      name: subject.name,
      labels: subject.labels,
      builtIn: kind === 'network' && BUILTIN_NETWORK_NAMES.has(subject.name),
    });
  if (event.type === 'container') return seen('container', event.container);
  if (event.type !== 'network') return false;
  if (!seen('network', event.network)) return false;
  const action = baseAction(event.action);
  if (action === 'connect' || action === 'disconnect') return seen('container', event.container);
  return true;
}

// The message a key receives: the engine's event in the contract's shape, with what a read would
// hide from this key left out.
export function publish(event: ObservedEvent, actor: Actor): PublishedEngineEvent {
  const action =
    actor.role === 'viewer' && COMMAND_ACTIONS.has(baseAction(event.action))
      ? baseAction(event.action)
      : event.action;
  return {
    type: event.type,
    action,
    id: event.id,
    name: event.name,
    attributes: { ...event.attributes },
    time: event.time,
  };
}
