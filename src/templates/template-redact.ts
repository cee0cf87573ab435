import { REDACTED } from '../audit/redact';
import type { Actor } from '../auth/roles';
import type { Change, TemplateDocument } from './template.types';

// A viewer key reads the audit log's marker (REDACTED) in place of a container's environment
// value (the names stay visible): viewers read containers, never their environment
// (docs/security.md), and a template holds it.

export function seesEnvironment(actor: Actor): boolean {
  return actor.role !== 'viewer';
}

type Segment = string | number;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// `{A: "1"}` -> `{A: "[redacted]"}`; anything that is not a map (null: not set) is left alone.
function redactEnvMap(env: unknown): unknown {
  if (!isObject(env)) return env;
  return Object.fromEntries(Object.keys(env).map((key) => [key, REDACTED]));
}

function redactContainer(container: unknown): unknown {
  if (!isObject(container) || !('env' in container)) return container;
  return { ...container, env: redactEnvMap(container.env) };
}

function redactContainers(containers: unknown): unknown {
  if (!isObject(containers)) return containers;
  return Object.fromEntries(Object.entries(containers).map(([name, c]) => [name, redactContainer(c)]));
}

// The document with every container's environment values replaced.
export function redactDocument(document: TemplateDocument): TemplateDocument {
  if (!document.containers) return document;
  return { ...document, containers: redactContainers(document.containers) as TemplateDocument['containers'] };
}

// The segments of a path written by value-diff's pathOf: `$.a.b`, `a["x.y"]`, `a[0]`.
export function pathSegments(path: string): Segment[] | null {
  const segments: Segment[] = [];
  let rest = path.startsWith('$') ? path.slice(1) : path;
  while (rest.length) {
    const simple = /^\.?([A-Za-z0-9_-]+)/.exec(rest);
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const match = simple ?? quoted ?? index;
    if (!match) return null;
    if (simple) segments.push(simple[1]);
    else if (quoted) segments.push(JSON.parse(quoted[1]) as string);
    else segments.push(Number(match[1]));
    rest = rest.slice(match[0].length);
  }
  return segments;
}

// A value at `segments` inside one container spec (`env`, `env.KEY`, or the whole spec).
function redactInContainer(segments: Segment[], value: unknown): unknown {
  if (segments.length === 0) return redactContainer(value);
  if (segments[0] !== 'env') return value;
  if (segments.length === 1) return redactEnvMap(value);
  return value === null ? null : REDACTED;
}

// A value at `segments` inside a template document.
function redactInDocument(segments: Segment[], value: unknown): unknown {
  if (segments.length === 0)
    return isObject(value) ? redactDocument(value as unknown as TemplateDocument) : value;
  if (segments[0] !== 'containers') return value;
  if (segments.length === 1) return redactContainers(value);
  return redactInContainer(segments.slice(2), value);
}

function redactChange(change: Change, redact: (segments: Segment[], value: unknown) => unknown): Change {
  const segments = pathSegments(change.path);
  // A path this reader does not know is answered without its values rather than with them.
  if (!segments) return { ...change, from: REDACTED, to: REDACTED };
  return { ...change, from: redact(segments, change.from), to: redact(segments, change.to) };
}

// A diff between two documents (paths from `$`).
export function redactDocumentChanges(changes: Change[]): Change[] {
  return changes.map((c) => redactChange(c, redactInDocument));
}

// A plan's changes of one resource (paths inside its spec: `env.KEY`); networks have no environment.
export function redactSpecChanges(kind: string, changes: Change[]): Change[] {
  if (kind !== 'container') return changes;
  return changes.map((c) => redactChange(c, redactInContainer));
}
