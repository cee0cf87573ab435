// What a refusal entry keeps of the caller's input: at most MAX_REFUSAL_INPUT_BYTES of JSON, so
// that a refused request (which any key, even a viewer's, can send) cannot write a body's worth
// to the audit log. Small inputs are kept whole; larger ones keep their shape with long strings,
// long lists and large maps cut short (more the larger the input), each cut marked
// "…(truncated, N bytes)" (or "N more").
export const MAX_REFUSAL_INPUT_BYTES = 4096;

// How much of each string, list or map, and how deep, is kept: tried in order until one fits.
const CUTS: ReadonlyArray<Cut> = [
  { string: 256, entries: 16, depth: 8 },
  { string: 64, entries: 8, depth: 6 },
  { string: 16, entries: 4, depth: 4 },
];
interface Cut {
  string: number;
  entries: number;
  depth: number;
}
const MORE = '…';

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');
const cut = (value: unknown) => `${MORE}(truncated, ${bytesOf(value)} bytes)`;

export function boundedInput(value: unknown, maxBytes = MAX_REFUSAL_INPUT_BYTES): unknown {
  if (bytesOf(value) <= maxBytes) return value;
  for (const limits of CUTS) {
    const shrunk = shrink(value, limits, 1);
    if (bytesOf(shrunk) <= maxBytes) return shrunk;
  }
  return cut(value);
}

function shrink(value: unknown, limits: Cut, depth: number): unknown {
  if (typeof value === 'string') return shortString(value, limits);
  if (value === null || typeof value !== 'object') return value;
  if (depth > limits.depth) return cut(value);
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.entries).map((item) => shrink(item, limits, depth + 1));
    if (value.length > limits.entries)
      kept.push(`${MORE}(truncated, ${value.length - limits.entries} more items)`);
    return kept;
  }
  const entries = Object.entries(value);
  const kept: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, limits.entries))
    kept[shortString(key, limits)] = shrink(item, limits, depth + 1);
  if (entries.length > limits.entries)
    kept[MORE] = `${MORE}(truncated, ${entries.length - limits.entries} more entries)`;
  return kept;
}

function shortString(text: string, limits: Cut): string {
  if (text.length <= limits.string) return text;
  return `${text.slice(0, limits.string)}${MORE}(truncated, ${Buffer.byteLength(text)} bytes)`;
}
