import { createHash } from 'node:crypto';
import { formatCidr, normaliseIp, parseCidr } from '../../common/net/ip';

// Canonical forms, so that two spellings of the same thing hash and compare alike.

// JSON with object keys sorted at every depth (arrays keep their order; undefined members are
// left out, like JSON.stringify does).
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

// sha256 hex of the canonical JSON: the io.switchyard.hash label.
export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

// The canonical text of an address (compressed lower-case IPv6); what was given when invalid
// (validation has refused those already, and a planner must not throw on them).
export function canonicalIp(text: string): string {
  return normaliseIp(text) ?? text;
}

export function canonicalCidr(text: string): string {
  const parsed = parseCidr(text);
  return parsed.ok ? formatCidr(parsed.cidr) : text;
}

export function canonicalMac(text: string): string {
  return text.toLowerCase();
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    // argv and aliases: the common case, compared without serialising.
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}
