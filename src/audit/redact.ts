// Secrets never reach the audit log: environment values, anything named like a key or a secret,
// and the values of NAME=value pairs in commands whose name looks secret.
const SECRET_NAME =
  /^(authorization|password|passwd|secret|token|key|apikey|api_key|private_?key|credentials?)$/i;
export const REDACTED = '[redacted]';

// Fields that hold a command line (argv, or a shell string): their NAME=value pairs are checked.
const COMMAND_FIELDS = new Set(['command', 'cmd', 'entrypoint', 'args']);

// NAME= at a position that starts a name: the start of the text, or after any character that
// cannot be part of a name (a space, a quote, `;`, `(`, ...). NAME may have leading dashes, as
// in --api-key=...
const NAME_AT = /-{0,2}[A-Za-z_][\w.-]*(?==)/y;
const NAME_CHAR = /[\w.-]/;
// Where a shell word ends, outside quotes.
const WORD_END = /[\s;&|()`<>]/;

export const DEFAULT_REDACT_PATTERN = 'pass|secret|token|key';

export class Redactor {
  private readonly secretName: RegExp;

  // `pattern`: a regular expression (case-insensitive) that a secret NAME matches somewhere.
  constructor(pattern = DEFAULT_REDACT_PATTERN) {
    this.secretName = new RegExp(pattern, 'i');
  }

  // A copy of a request (or a snapshot) fit for the audit log.
  value(value: unknown, parentKey = ''): unknown {
    if (Array.isArray(value)) return value.map((v) => this.value(v, parentKey));
    if (typeof value === 'string') return COMMAND_FIELDS.has(parentKey) ? this.command(value) : value;
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (parentKey === 'env' || SECRET_NAME.test(key)) out[key] = REDACTED;
      else out[key] = this.value(inner, key);
    }
    return out;
  }

  // One argument or shell string with the values of its secret-looking NAME=value pairs replaced.
  // The value runs to the end of its shell word: to the next whitespace or `;` `&` `|` `(` `)`
  // `` ` `` `<` `>` outside quotes, a backslash escaping the character after it; a pair written
  // inside quotes ("TOKEN=...") runs at least to the closing quote.
  command(text: string): string {
    let out = '';
    let quote: '"' | "'" | null = null;
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (i === 0 || !NAME_CHAR.test(text[i - 1])) {
        NAME_AT.lastIndex = i;
        const name = NAME_AT.exec(text)?.[0];
        if (name && this.secretName.test(name)) {
          const end = valueEnd(text, i + name.length + 1, quote);
          // The quote the pair was written in stays, so that the text still reads as it was.
          out += `${name}=${REDACTED}${end.quote ?? ''}`;
          quote = null;
          i = end.at;
          continue;
        }
      }
      if (quote === null && (c === '"' || c === "'")) quote = c;
      else if (quote !== null && c === quote) quote = null;
      else if (c === '\\' && quote !== "'" && i + 1 < text.length) {
        out += c + text[i + 1];
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    return out;
  }
}

// Where a value that starts at `from` ends, and the quote the pair was written in.
function valueEnd(
  text: string,
  from: number,
  openQuote: '"' | "'" | null,
): { at: number; quote: string | null } {
  let quote = openQuote;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (quote === null && WORD_END.test(c)) break;
    if (c === '\\' && quote !== "'") i += 2;
    else {
      if (quote === null && (c === '"' || c === "'")) quote = c;
      else if (c === quote) quote = null;
      i++;
    }
  }
  // The pair's quote is given back only when it closed within the value.
  return { at: Math.min(i, text.length), quote: openQuote !== null && quote === null ? openQuote : null };
}

const defaultRedactor = new Redactor();

export function redact(value: unknown, parentKey = ''): unknown {
  return defaultRedactor.value(value, parentKey);
}
