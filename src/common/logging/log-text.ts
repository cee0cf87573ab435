// Text a client chose (an operation name, a path) as it may appear in a log message: pretty
// output prints messages as they are, so a line break or a terminal escape in them could forge
// a line or repaint the terminal. Control characters (C0, DEL, C1), Unicode line and paragraph
// separators and bidirectional overrides become `?`, and the text is cut to `max` characters
// (an ellipsis marks the cut).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export const MAX_LOGGED_NAME = 128;

export function logSafe(text: string, max = MAX_LOGGED_NAME): string {
  const clean = text.replace(UNSAFE, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

// Whether a header or query parameter's value stays out of the logs: its name matches the
// redaction pattern (AUDIT_REDACT_PATTERN), or names credentials (authorization, cookie, API key).
const ALWAYS_SECRET = /authorization|cookie|api-?key/i;

export function secretNameMatcher(pattern: string): (name: string) => boolean {
  let configured: RegExp | null;
  try {
    configured = pattern ? new RegExp(pattern, 'i') : null;
  } catch {
    configured = null;
  }
  return (name) => ALWAYS_SECRET.test(name) || (configured?.test(name) ?? false);
}

// Headers as logged: every name kept, the values of secret ones replaced.
export function redactedHeaders(
  headers: Record<string, unknown> | undefined,
  isSecret: (name: string) => boolean,
): Record<string, unknown> | undefined {
  if (!headers || typeof headers !== 'object') return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecret(name) ? '[redacted]' : value;
  return out;
}
