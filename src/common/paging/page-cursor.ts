import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors/domain-error';

// The filters of a listing as a cursor keeps them: plain values and lists of strings.
export type CursorQuery = Record<string, string | number | boolean | string[] | null | undefined>;

export interface DecodedCursor<P> {
  // The filters to list with: the cursor's own.
  query: CursorQuery;
  limit: number | undefined;
  // Where the previous page ended.
  position: P;
}

// What a cursor looks like on the wire: base64url JSON, a dot, a base64url MAC.
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,16000}\.[A-Za-z0-9_-]{16,64}$/;
const MAC_BYTES = 16;

// The filters in one canonical form: unset values and the default `false` left out, lists sorted.
export function canonicalQuery(query: CursorQuery): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value === undefined || value === null || value === false || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) out[key] = [...value].sort();
    } else out[key] = value;
  }
  return out;
}

function describe(query: CursorQuery): string {
  const parts = Object.entries(canonicalQuery(query)).map(
    ([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`,
  );
  return parts.length ? parts.join(' ') : 'no filters';
}

// The filters as they were sent, the default ones (`all=false`, an empty list) included.
const sentKeys = (query: CursorQuery) =>
  Object.keys(query)
    .filter((key) => query[key] !== undefined && query[key] !== null)
    .sort();

function describeSent(query: CursorQuery, keys: string[]): string {
  const parts = keys.map((key) => {
    const value = query[key];
    return `${key}=${Array.isArray(value) ? [...value].sort().join(',') : String(value)}`;
  });
  return parts.length ? parts.join(' ') : 'no filters';
}

// Filters the listing sets itself (not the client), and what a cursor made for other values of
// them is: a history's resource, say.
export interface ListingKeys {
  keys: string[];
  other: string;
}

// A page cursor carries the query it continues (the list, its filters, the page size) and where
// the page ended, signed with this instance's cursor key (kept in its database, so a cursor
// survives a restart): an edited cursor is refused, and one made for other filters is never
// applied to these. It grants nothing: every page is still listed with the scope of the key that
// asks. Provided by InstanceModule.
export class PageCursors {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  encode(list: string, query: CursorQuery, limit: number | undefined, position: unknown): string {
    const body = Buffer.from(JSON.stringify([list, canonicalQuery(query), limit ?? null, position])).toString(
      'base64url',
    );
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  // The cursor's query, page size and position; `given` are the filters sent with it (a key
  // left undefined or null was not sent): none, or the same as the cursor's. A filter sent with
  // its default value (`all=false`, an empty list) is sent too: it must agree with the cursor.
  // `isPosition` checks the position's shape; `listing` names the keys the listing sets itself.
  decode<P>(
    list: string,
    text: string,
    given: CursorQuery,
    isPosition: (value: unknown) => value is P,
    field = 'cursor',
    listing?: ListingKeys,
  ): DecodedCursor<P> {
    const decoded = this.read(text);
    if (!decoded || decoded.list !== list || !isPosition(decoded.position)) {
      throw DomainError.validation([
        {
          field,
          message: `${field} must be the unchanged next cursor of a previous page of this list (a cursor of another list, filters or Switchyard instance is refused; start again without one)`,
        },
      ]);
    }
    const own = listing?.keys ?? [];
    const same = (keys: string[]) =>
      keys.every(
        (key) =>
          JSON.stringify(canonicalQuery({ [key]: given[key] })) ===
          JSON.stringify(canonicalQuery({ [key]: decoded.query[key] })),
      );
    if (listing && !same(own)) {
      throw DomainError.validation([
        { field, message: `${field} is ${listing.other}: start again without it` },
      ]);
    }
    const withoutOwn = (query: CursorQuery) =>
      Object.fromEntries(Object.entries(query).filter(([key]) => !own.includes(key)));
    const clientQuery = withoutOwn(given);
    const sent = sentKeys(clientQuery);
    const cursorQuery = withoutOwn(decoded.query);
    if (
      sent.length &&
      JSON.stringify(canonicalQuery(clientQuery)) !== JSON.stringify(canonicalQuery(cursorQuery))
    ) {
      throw DomainError.validation([
        {
          field,
          message: `${field} continues a listing with other filters (${describe(cursorQuery)}), not ${describeSent(clientQuery, sent)}: send the cursor alone (it carries its filters and page size) or start again without it`,
        },
      ]);
    }
    return { query: decoded.query, limit: decoded.limit, position: decoded.position };
  }

  private read(
    text: string,
  ): { list: string; query: CursorQuery; limit: number | undefined; position: unknown } | null {
    if (!CURSOR_PATTERN.test(text)) return null;
    const [body, mac] = text.split('.');
    const expected = this.mac(body);
    const presented = Buffer.from(mac, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    // base64url ignores the spare bits of a last character: only the one spelling we wrote is ours,
    // so that every edited cursor is refused.
    if (
      presented.toString('base64url') !== mac ||
      Buffer.from(body, 'base64url').toString('base64url') !== body
    )
      return null;
    try {
      const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      if (!Array.isArray(value) || value.length !== 4) return null;
      const [list, query, limit, position] = value as unknown[];
      if (typeof list !== 'string' || query === null || typeof query !== 'object' || Array.isArray(query))
        return null;
      if (limit !== null && typeof limit !== 'number') return null;
      return { list, query: query as CursorQuery, limit: limit ?? undefined, position };
    } catch {
      return null;
    }
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
