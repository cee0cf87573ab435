import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'sy_';

// 256 random bits, URL-safe: `sy_` + 43 characters.
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

// Enough of the key to tell keys apart in a list, never enough to use it.
export function displayPrefix(key: string): string {
  return `${key.slice(0, 7)}...`;
}

// `Authorization: Bearer <key>`; anything else is no key.
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match ? match[1] : null;
}
