import type { Change } from '../template.types';
import { sameValue } from './canonical';

// A structural diff of two JSON values by path: maps key by key, arrays of objects element by
// element (`config[0].subnet`), arrays of scalars (argv, aliases) as whole values. A side that is
// missing is answered as null.

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

// `base.key`, or `base["key.with.dots"]` when the key would make the path ambiguous.
export function pathOf(base: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function holdsObjects(values: unknown[]): boolean {
  return values.some((v) => v !== null && typeof v === 'object');
}

export function diffValues(from: unknown, to: unknown, path: string, out: Change[] = []): Change[] {
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    // Own keys only: a name such as `constructor` or `toString` is a key of the document, never
    // something inherited from Object.prototype.
    const own = (o: Record<string, unknown>, key: string) => (Object.hasOwn(o, key) ? o[key] : undefined);
    for (const key of keys) diffValues(own(from, key), own(to, key), pathOf(path, key), out);
    return out;
  }
  if (Array.isArray(from) && Array.isArray(to) && (holdsObjects(from) || holdsObjects(to))) {
    for (let i = 0; i < Math.max(from.length, to.length); i++) {
      diffValues(from[i], to[i], `${path}[${i}]`, out);
    }
    return out;
  }
  if (!sameValue(from ?? null, to ?? null)) out.push({ path, from: from ?? null, to: to ?? null });
  return out;
}

export function byPath(a: Change, b: Change): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
