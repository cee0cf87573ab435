// The values one label may take, bounded: a series per value is kept for the life of the process,
// so a label fed from anything a caller or the engine controls (an error text, a reason, a name)
// could otherwise grow the registry without end. Plain short words are kept, up to `limit`
// distinct ones; anything else, and every value past the limit, counts as `other`.
export const OTHER = 'other';
const PLAIN_WORD = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string | null | undefined): string {
    if (typeof value !== 'string' || !PLAIN_WORD.test(value)) return OTHER;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OTHER;
    this.seen.add(value);
    return value;
  }
}

// HTTP methods kept as they are; anything else (an extension method a client made up) is `other`.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : OTHER;
}

// The route a request matched is its pattern (/api/v1/networks/:ref), never the raw URL: the
// patterns are the application's own, so they are few. A request that matched none is counted
// under one value whatever its path.
export const UNMATCHED_ROUTE = 'unmatched';

export function routeLabel(pattern: string | undefined): string {
  return pattern ? pattern : UNMATCHED_ROUTE;
}

// A status code outside HTTP's range (never expected) stays one value.
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
}
