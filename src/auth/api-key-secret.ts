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

// Why a request carries no usable key, worded for where it was sent (`where` names the
// header or parameter, `how` what to send instead). A key without "Bearer " in front (or with
// another scheme, or the scheme twice) is a common slip: the answer says so, never repeating what
// was sent.
export function noKeyMessage(
  presented: unknown,
  where = 'The Authorization header',
  how = 'send "Authorization: Bearer <key>"',
): string {
  if (typeof presented !== 'string' || presented.trim() === '') return `This needs an API key: ${how}.`;
  // "Bearer Bearer <key>": a client (Swagger's Authorize dialog, a token field) that adds the
  // scheme itself was given it too.
  if (/^Bearer\s+Bearer(\s|$)/i.test(presented.trim()))
    return `${where} has the scheme twice ("Bearer Bearer"): send the key once after "Bearer " (${how}); a client that adds "Bearer " itself, such as Swagger's Authorize dialog, wants the key alone.`;
  if (/^Bearer(\s|$)/i.test(presented.trim()))
    return `${where} holds no valid key after "Bearer ": ${how} (one key, no spaces in it).`;
  return `${where} is missing the "Bearer " scheme before the key: ${how} (the word Bearer, a space, then the key).`;
}
