import { DomainError, type FieldError } from '../common/errors/domain-error';
import { labelFilterProblem } from '../common/validation/validators';
import type { EventSubject, ObservedEvent } from '../engine/read-model/read-model.types';
import type { EngineEventFilter } from './live.types';

export const EVENT_TYPES = ['network', 'container'] as const;
// The actions the engine reports (API 1.41 to 1.45): those its API reference lists for networks and
// containers, plus the container actions it emits beyond that list (archive-path, extract-to-dir,
// checkpoint). An action the engine appends text to (`exec_start: sh -c ...`, `health_status:
// healthy`) is matched by its word before the colon. A filter with any other action would match
// nothing, ever: it is refused.
export const NETWORK_ACTIONS = ['create', 'connect', 'disconnect', 'destroy', 'remove', 'update', 'prune'];
export const CONTAINER_ACTIONS = [
  'attach',
  'commit',
  'copy',
  'create',
  'destroy',
  'detach',
  'die',
  'exec_create',
  'exec_detach',
  'exec_die',
  'exec_start',
  'export',
  'health_status',
  'kill',
  'oom',
  'pause',
  'rename',
  'resize',
  'restart',
  'start',
  'stop',
  'top',
  'unpause',
  'update',
  'prune',
  'archive-path',
  'extract-to-dir',
  'checkpoint',
];
const KNOWN_ACTIONS = new Set([...NETWORK_ACTIONS, ...CONTAINER_ACTIONS]);
// As references everywhere: an id prefix shorter than this matches too much by accident.
export const MIN_ID_PREFIX = 4;
const ID_PREFIX = new RegExp(`^[0-9a-f]{${MIN_ID_PREFIX},64}$`);
const MAX_LABELS = 16;

// Every problem of a filter at once (VALIDATION_FAILED), before a stream is opened.
export function assertValidFilter(filter: EngineEventFilter): void {
  const errors: FieldError[] = [];
  if (filter.type !== undefined && !(EVENT_TYPES as readonly string[]).includes(filter.type))
    errors.push({ field: 'type', message: 'type must be network or container' });
  if (filter.action !== undefined && !KNOWN_ACTIONS.has(filter.action))
    errors.push({
      field: 'action',
      message:
        `action must be one of the engine's actions: for networks ${NETWORK_ACTIONS.join(', ')}; ` +
        `for containers ${CONTAINER_ACTIONS.join(', ')} (exec_start also matches "exec_start: <command>")`,
    });
  for (const field of ['network', 'container'] as const) {
    const value = filter[field];
    if (value !== undefined && (value.trim() === '' || value.length > 255))
      errors.push({
        field,
        message: `${field} must be a name, a full id or an id prefix (1 to 255 characters)`,
      });
  }
  const labels = filter.label ?? [];
  if (labels.length > MAX_LABELS)
    errors.push({ field: 'label', message: `label takes at most ${MAX_LABELS} filters` });
  for (const label of labels) {
    const problem = label.length > 4096 ? 'must be at most 4096 characters' : labelFilterProblem(label);
    if (problem) errors.push({ field: 'label', message: `label ${problem}` });
  }
  if (errors.length > 0) throw DomainError.validation(errors);
}

// The action without what the engine appends (`exec_start: sh -c ...`, `health_status: healthy`).
export function baseAction(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? action : action.slice(0, colon);
}

// A reference matches a subject by exact name, full id, or an id prefix of MIN_ID_PREFIX or more.
export function refMatches(ref: string, subject: { id: string; name: string | null } | null): boolean {
  if (!subject) return false;
  if (subject.id === ref || (subject.name !== null && subject.name === ref)) return true;
  const lower = ref.toLowerCase();
  return ID_PREFIX.test(lower) && subject.id.startsWith(lower);
}

export function labelsMatch(filters: readonly string[], labels: Record<string, string>): boolean {
  return filters.every((filter) => {
    const eq = filter.indexOf('=');
    if (eq < 0) return filter in labels;
    return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
  });
}

// The subject an event is about: the network of a network event (connect and disconnect
// included), the container of a container event.
export function subjectOf(event: ObservedEvent): EventSubject | null {
  return event.type === 'network' ? event.network : event.type === 'container' ? event.container : null;
}

// The network and container an event concerns: a connect or disconnect concerns both.
function networkOf(event: ObservedEvent) {
  return event.network ?? (event.type === 'network' ? { id: event.id, name: event.name } : null);
}
function containerOf(event: ObservedEvent) {
  if (event.container) return event.container;
  if (event.type === 'container') return { id: event.id, name: event.name };
  const id = event.attributes.container;
  return id ? { id, name: null } : null;
}

// Whether an event matches a (valid) filter. Labels match the subject's labels as the model knew
// them (container events also carry them as attributes).
export function matchesFilter(event: ObservedEvent, filter: EngineEventFilter): boolean {
  if (filter.type !== undefined && event.type !== filter.type) return false;
  if (filter.action !== undefined && baseAction(event.action) !== filter.action) return false;
  if (filter.network !== undefined && !refMatches(filter.network, networkOf(event))) return false;
  if (filter.container !== undefined && !refMatches(filter.container, containerOf(event))) return false;
  if (filter.label && filter.label.length > 0) {
    const subject = subjectOf(event);
    const labels = subject?.labels ?? (event.type === 'container' ? event.attributes : {});
    if (!labelsMatch(filter.label, labels)) return false;
  }
  return true;
}
