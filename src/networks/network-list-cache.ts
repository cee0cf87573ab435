import type { Actor } from '../auth/roles';
import type { NetworkFilterInput } from './dto/network-filter.input';
import type { NetworkModel } from './models/network.model';

// A presented network list, shared by every caller that asks the same at the same model version:
// treat it as read-only.
export class NetworkListAnswer {
  private serialised: Buffer | null = null;

  constructor(readonly items: NetworkModel[]) {}

  // The REST answer `{"items": [...]}` exactly as Fastify would serialise it (JSON.stringify, no
  // response schema), made once per answer, as UTF-8 bytes: a string of 600 KiB (1,000 networks)
  // would be measured and encoded again on every send.
  body(): Buffer {
    this.serialised ??= Buffer.from(JSON.stringify({ items: this.items }), 'utf8');
    return this.serialised;
  }
}

const MAX_ENTRIES = 32;

// Network lists answered from the read model, kept while the model's version stays the same. A
// list of 1,000 networks costs milliseconds to present and serialise, and the model changes rarely
// between reads. The key holds everything the answer depends on besides the model's state: the
// filter and what the caller may see (role and label scope). An answer being computed is shared,
// so that concurrent callers after a change present it once.
export class NetworkListCache {
  private version = -1;
  // Insertion order is use order: the first entry is the least recently used.
  private readonly entries = new Map<string, Promise<NetworkListAnswer>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  // The answer for this version, filter and caller: the kept one, or `compute`'s (kept unless it
  // fails). A version is only ever looked up while it is the model's current one, so an answer
  // computed at it cannot be older than what the model holds.
  answer(
    version: number,
    filter: NetworkFilterInput,
    actor: Actor,
    compute: () => Promise<NetworkListAnswer>,
  ): Promise<NetworkListAnswer> {
    if (version !== this.version) {
      // Answers of other versions can never be asked for again: the version only grows.
      this.entries.clear();
      this.version = version;
    }
    const key = cacheKey(filter, actor);
    const kept = this.entries.get(key);
    if (kept) {
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    const computed = compute();
    this.entries.set(key, computed);
    computed.catch(() => {
      if (this.entries.get(key) === computed) this.entries.delete(key);
    });
    const oldest = this.entries.keys().next();
    if (this.entries.size > this.maxEntries && !oldest.done) this.entries.delete(oldest.value);
    return computed;
  }

  get size(): number {
    return this.entries.size;
  }
}

// Every field of the filter and of the caller's visibility, each in a fixed place.
export function cacheKey(filter: NetworkFilterInput, actor: Actor): string {
  const scope = Object.entries(actor.scope).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    actor.role,
    scope,
    filter.driver ?? null,
    filter.name ?? null,
    filter.label ?? null,
    filter.scope ?? null,
  ]);
}
