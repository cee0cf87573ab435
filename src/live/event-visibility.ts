import { Redactor } from '../audit/redact';
import type { AccessPolicy } from '../auth/access-policy';
import type { Actor } from '../auth/roles';
import type { EventSubject, ObservedEvent } from '../engine/read-model/read-model.types';
import { BUILTIN_NETWORK_NAMES } from '../lookup/network-facts';
import { baseAction } from './event-filter';
import type { PublishedEngineEvent } from './live.types';

// Attributes that could hold a command line, were the engine to put one there (Docker puts it
// in the action, `exec_start: <command>`, and gives only execID, exitCode and the container's
// name, image and labels; these names are the audit's command fields).
const COMMAND_ATTRIBUTES = new Set(['command', 'cmd', 'entrypoint', 'args']);

// How a key is told an event: `full` with an exec's command line (secret-looking NAME=value pairs
// redacted, as in the audit log); `bare` without it (`exec_start`). A command can carry anything
// (`sh -c PASSWORD=... tool`) and the audit shows it only to unscoped keys, so only an unscoped
// admin key gets it.
export type EventForm = 'full' | 'bare';

export function eventForm(actor: Actor, policy: AccessPolicy): EventForm {
  return actor.role === 'admin' && policy.unscoped(actor) ? 'full' : 'bare';
}

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

// The audit's default pattern, where no redactor is given.
const DEFAULT_REDACTOR = new Redactor();

// The message a key of this form receives: the engine's event in the contract's shape, with what
// the form may not show left out. `redactor` is the audit's (AUDIT_REDACT_PATTERN).
export function publish(
  event: ObservedEvent,
  form: EventForm,
  redactor: Redactor = DEFAULT_REDACTOR,
): PublishedEngineEvent {
  const exec = isExec(event);
  const shown = exec && form === 'full' ? redactor : null;
  return {
    type: event.type,
    action: exec ? execAction(event.action, shown) : event.action,
    id: event.id,
    name: event.name,
    attributes: exec ? execAttributes(event.attributes, shown) : { ...event.attributes },
    time: event.time,
  };
}

// Events of an exec (exec_create, exec_start, exec_detach, exec_die; Docker's health checks run
// as execs too), whose action may carry the command run.
function isExec(event: ObservedEvent): boolean {
  return event.type === 'container' && baseAction(event.action).startsWith('exec_');
}

// `exec_start: <command>` with its secrets redacted, or the bare `exec_start` (redactor null).
function execAction(action: string, redactor: Redactor | null): string {
  const base = baseAction(action);
  if (redactor === null || base === action) return base;
  return `${base}:${redactor.command(action.slice(base.length + 1))}`;
}

function execAttributes(
  attributes: Record<string, string>,
  redactor: Redactor | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!COMMAND_ATTRIBUTES.has(key.toLowerCase())) out[key] = value;
    else if (redactor !== null) out[key] = redactor.command(value);
  }
  return out;
}
