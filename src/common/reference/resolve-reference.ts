import { DomainError } from '../errors/domain-error';
import type { ErrorCode } from '../errors/error-codes';

export interface Referable {
  id: string;
  names: string[];
}

// Short ids shorter than this are too likely to match by accident.
const MIN_ID_PREFIX = 4;

// Resolves a user's reference (exact name, full id or id prefix) to exactly one object.
// Two matches are a conflict, never a guess.
export function resolveReference<T extends Referable>(
  ref: string,
  items: readonly T[],
  kind: string,
  notFoundCode: ErrorCode,
): T {
  const matches = new Set<T>();
  const lower = ref.toLowerCase();
  const idLike = new RegExp(`^[0-9a-f]{${MIN_ID_PREFIX},64}$`).test(lower);
  for (const item of items) {
    if (item.id === ref || item.names.includes(ref) || (idLike && item.id.startsWith(lower)))
      matches.add(item);
  }
  if (matches.size === 1) return [...matches][0];
  if (matches.size === 0) throw notFound(ref, kind, notFoundCode);
  const candidates = [...matches].map((m) => ({ id: m.id, name: m.names[0] ?? '' }));
  throw new DomainError(
    'AMBIGUOUS_REFERENCE',
    `"${ref}" matches ${matches.size} ${kind}s (${candidates
      .map((c) => `${c.name} ${c.id.slice(0, 12)}`)
      .join(', ')}): use the full id instead.`,
    { context: { ref, candidates } },
  );
}

// The one answer for a reference that matches nothing the caller may see: a missing object and
// one outside the key's scope are told apart by nothing (code, message, context).
export function notFound(ref: string, kind: string, code: ErrorCode): DomainError {
  return new DomainError(code, `No ${kind} matches "${ref}": give its exact name, full id or an id prefix.`, {
    context: { ref },
  });
}
