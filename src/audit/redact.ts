// Secrets never reach the audit log: environment values, and anything named like a key or a secret.
const SECRET_NAME =
  /^(authorization|password|passwd|secret|token|key|apikey|api_key|private_?key|credentials?)$/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (parentKey === 'env' || SECRET_NAME.test(key)) out[key] = REDACTED;
    else out[key] = redact(inner, key);
  }
  return out;
}
