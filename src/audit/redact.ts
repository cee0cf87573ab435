// Secrets never reach the audit log: environment values, anything named like a key or a secret,
// and the values of NAME=value pairs in commands whose name looks secret.
const SECRET_NAME =
  /^(authorization|password|passwd|secret|token|key|apikey|api_key|private_?key|credentials?)$/i;
export const REDACTED = '[redacted]';

// Fields that hold a command line (argv, or a shell string): their NAME=value pairs are checked.
const COMMAND_FIELDS = new Set(['command', 'cmd', 'entrypoint', 'args']);

// A NAME=value pair inside an argument: NAME (with optional leading dashes, as in --api-key=...)
// starts the argument or follows a separator; the value runs to the next separator, or is quoted.
const PAIR = /(^|[\s;&|(`])(-{0,2}[A-Za-z_][\w.-]*)=("[^"]*"?|'[^']*'?|[^\s;&|)`]*)/g;

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
  command(text: string): string {
    return text.replace(PAIR, (whole, before: string, name: string) =>
      this.secretName.test(name) ? `${before}${name}=${REDACTED}` : whole,
    );
  }
}

const defaultRedactor = new Redactor();

export function redact(value: unknown, parentKey = ''): unknown {
  return defaultRedactor.value(value, parentKey);
}
