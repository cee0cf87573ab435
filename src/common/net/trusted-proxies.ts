import { cidrContainsIp, parseCidr, parseIp, type Cidr } from './ip';

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

// The client address of a request that did not go through Fastify (a WebSocket upgrade), by the
// same rule as Fastify's `trustProxy`: walking from the socket's peer back through
// X-Forwarded-For, the first hop that is not a trusted proxy (or the leftmost one when all are).
// With no trusted proxies, the peer.
export function clientAddressOf(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: string[],
): string {
  const hops = [peer ?? 'unknown'];
  if (trusted.length > 0 && typeof forwardedFor === 'string') {
    const forwarded = forwardedFor
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    hops.push(...forwarded.reverse());
  }
  const ranges = trusted.map(rangeOf);
  for (let i = 0; i < hops.length - 1; i++) {
    if (!ranges.some((range) => isIn(hops[i], range))) return hops[i];
  }
  return hops[hops.length - 1];
}

function rangeOf(entry: string): Cidr {
  if (entry.includes('/')) {
    const parsed = parseCidr(entry);
    if (parsed.ok) return parsed.cidr;
  } else {
    const ip = parseIp(entry);
    if (ip) return { version: ip.version, network: ip.value, prefix: ip.version === 4 ? 32 : 128 };
  }
  throw new Error(`TRUSTED_PROXIES entry "${entry}" is not an address or a CIDR`);
}

const MAPPED_V4 = 0xffff00000000n;

// Whether an address lies in a range; an IPv4-mapped IPv6 address (::ffff:10.0.0.1, how a
// dual-stack socket shows an IPv4 peer) counts as its IPv4 address.
function isIn(address: string, range: Cidr): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (cidrContainsIp(range, ip)) return true;
  return (
    range.version === 4 &&
    ip.version === 6 &&
    ip.value >> 32n === MAPPED_V4 >> 32n &&
    cidrContainsIp(range, { version: 4, value: ip.value & 0xffffffffn })
  );
}
