// Pure IPv4/IPv6 address and CIDR arithmetic on bigints. No dependencies, no I/O.

export type IpVersion = 4 | 6;

export interface IpAddress {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  // Network address with the host bits cleared.
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: `010` is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

export function parseIPv6(text: string): bigint | null {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return null;
  let s = text;
  if (s.includes('.')) {
    // Embedded IPv4 tail (`::ffff:10.0.0.1`): rewrite it as two hex groups.
    const idx = s.lastIndexOf(':');
    const v4 = parseIPv4(s.slice(idx + 1));
    if (idx < 0 || v4 === null) return null;
    s = `${s.slice(0, idx + 1)}${((v4 >> 16n) & 0xffffn).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  let groups: string[];
  if (halves.length === 2) {
    const left = halves[0] === '' ? [] : halves[0].split(':');
    const right = halves[1] === '' ? [] : halves[1].split(':');
    const missing = 8 - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = s.split(':');
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

export function parseIp(text: string): IpAddress | null {
  if (typeof text !== 'string') return null;
  if (text.includes(':')) {
    const value = parseIPv6(text);
    return value === null ? null : { version: 6, value };
  }
  const value = parseIPv4(text);
  return value === null ? null : { version: 4, value };
}

export type CidrParseResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

export function parseCidr(text: string): CidrParseResult {
  if (typeof text !== 'string') return { ok: false, reason: 'must be a string in CIDR notation' };
  const slash = text.indexOf('/');
  if (slash < 0)
    return { ok: false, reason: `"${text}" is not in CIDR notation (address/prefix, e.g. 10.10.0.0/24)` };
  const address = parseIp(text.slice(0, slash));
  if (!address) return { ok: false, reason: `"${text.slice(0, slash)}" is not a valid IPv4 or IPv6 address` };
  const prefixText = text.slice(slash + 1);
  const bits = BITS[address.version];
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, reason: `prefix length "${prefixText}" must be a number from 0 to ${bits}` };
  }
  const prefix = Number(prefixText);
  const network = address.value & maskOf(address.version, prefix);
  if (network !== address.value) {
    const suggestion = formatCidr({ version: address.version, network, prefix });
    return { ok: false, reason: `"${text}" has host bits set; did you mean ${suggestion}?` };
  }
  return { ok: true, cidr: { version: address.version, network, prefix } };
}

export function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefix))) & all;
}

export function lastAddress(cidr: Cidr): bigint {
  const hostBits = BigInt(BITS[cidr.version] - cidr.prefix);
  return cidr.network | ((1n << hostBits) - 1n);
}

export function cidrContainsIp(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.version === ip.version && ip.value >= cidr.network && ip.value <= lastAddress(cidr);
}

// True when `inner` lies entirely within `outer`.
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.version === inner.version &&
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    lastAddress(inner) <= lastAddress(outer)
  );
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString()).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (of two or more) of zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const left = groups.slice(0, bestStart).join(':');
  const right = groups.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.version, cidr.network)}/${cidr.prefix}`;
}

// Canonical text of an address (lower-case, compressed IPv6), or null when invalid.
export function normaliseIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip.version, ip.value) : null;
}

// Ranges that must never be used as a container network: they would shadow the host's own
// loopback, link-local, multicast or reserved space.
const RESERVED: ReadonlyArray<{ cidr: string; why: string }> = [
  { cidr: '0.0.0.0/8', why: '"this network" (0.0.0.0/8)' },
  { cidr: '127.0.0.0/8', why: 'loopback (127.0.0.0/8)' },
  { cidr: '169.254.0.0/16', why: 'link-local (169.254.0.0/16)' },
  { cidr: '224.0.0.0/4', why: 'multicast (224.0.0.0/4)' },
  { cidr: '240.0.0.0/4', why: 'reserved (240.0.0.0/4)' },
  { cidr: '::1/128', why: 'loopback (::1)' },
  { cidr: 'fe80::/10', why: 'link-local (fe80::/10)' },
  { cidr: 'ff00::/8', why: 'multicast (ff00::/8)' },
];

const RESERVED_PARSED = RESERVED.map((r) => {
  const parsed = parseCidr(r.cidr);
  if (!parsed.ok) throw new Error(`bad reserved range ${r.cidr}`);
  return { cidr: parsed.cidr, why: r.why };
});

export function reservedOverlap(cidr: Cidr): string | null {
  return RESERVED_PARSED.find((r) => cidrsOverlap(r.cidr, cidr))?.why ?? null;
}

export function isValidMac(text: string): boolean {
  return typeof text === 'string' && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text);
}

// Why a MAC address cannot be given to a container interface, or null when it can.
export function macProblem(text: string): string | null {
  if (!isValidMac(text)) return 'must be six colon-separated hex octets, e.g. 02:42:ac:11:00:02';
  const first = parseInt(text.slice(0, 2), 16);
  if (first & 1)
    return 'is a multicast address (lowest bit of the first octet set); use a unicast address such as 02:...';
  if (/^(00:){5}00$/.test(text)) return 'is the all-zero address';
  return null;
}

// `192.0.2.2/24` as an interface reports it: the subnet it sits in (host bits cleared).
export function subnetOfInterfaceAddress(text: string): Cidr | null {
  const [address, prefixText] = text.split('/');
  const ip = parseIp(address ?? '');
  const prefix = Number(prefixText);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > BITS[ip.version]) return null;
  return { version: ip.version, network: ip.value & maskOf(ip.version, prefix), prefix };
}
