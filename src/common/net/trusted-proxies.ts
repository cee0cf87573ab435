import { parseCidr, parseIp } from './ip';

// TRUSTED_PROXIES: a comma-separated list of addresses and CIDRs of the reverse proxies in front
// of the service. The entries as Fastify's `trustProxy` takes them, or null when one is not an
// address or a CIDR (with no host bits set).
export function trustedProxyList(text: string): string[] | null {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const valid = entries.every((entry) =>
    entry.includes('/') ? parseCidr(entry).ok : parseIp(entry) !== null,
  );
  return valid ? entries : null;
}
