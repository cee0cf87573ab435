import {
  cidrContainsCidr,
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  formatIp,
  macProblem,
  normaliseIp,
  parseCidr,
  parseIp,
  reservedOverlap,
  subnetOfInterfaceAddress,
  type Cidr,
} from '../../src/common/net/ip';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
};

describe('IP addresses', () => {
  it.each([
    ['10.0.0.1', 4],
    ['255.255.255.255', 4],
    ['0.0.0.0', 4],
    ['::', 6],
    ['::1', 6],
    ['fd00::1', 6],
    ['2001:db8:0:0:0:0:2:1', 6],
    ['::ffff:10.1.2.3', 6],
    ['64:ff9b::192.0.2.33', 6],
    ['FD00:AB::1', 6],
  ])('parses %s as IPv%i', (text, version) => {
    expect(parseIp(text)?.version).toBe(version);
  });

  it.each([
    '10.0.0',
    '10.0.0.256',
    '010.0.0.1',
    '1.2.3.4.5',
    '',
    'a.b.c.d',
    ':::',
    '1::2::3',
    'fe80::1%eth0',
    '12345::1',
    '::ffff:1.2.3',
    'g::1',
    '1:2:3:4:5:6:7:8:9',
  ])('refuses %p', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  it('formats IPv6 the RFC 5952 way', () => {
    expect(normaliseIp('2001:0db8:0000:0000:0000:0000:0002:0001')).toBe('2001:db8::2:1');
    expect(normaliseIp('fd00:0:0:1:0:0:0:1')).toBe('fd00:0:0:1::1');
    expect(normaliseIp('::')).toBe('::');
    expect(normaliseIp('1:0:1:0:1:0:1:0')).toBe('1:0:1:0:1:0:1:0');
    expect(normaliseIp('::ffff:10.1.2.3')).toBe('::ffff:a01:203');
    expect(formatIp(4, 0x0a000001n)).toBe('10.0.0.1');
  });
});

describe('CIDR', () => {
  it('parses and clears nothing when host bits are zero', () => {
    expect(formatCidr(cidr('10.20.0.0/16'))).toBe('10.20.0.0/16');
    expect(formatCidr(cidr('fd00:1::/64'))).toBe('fd00:1::/64');
  });

  it('refuses host bits and suggests the network', () => {
    const parsed = parseCidr('10.20.0.1/24');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain('did you mean 10.20.0.0/24');
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', 'x/24', 'fd00::/129', '10.0.0.0/'])(
    'refuses %p',
    (text) => {
      expect(parseCidr(text).ok).toBe(false);
    },
  );

  it('tells containment and overlap', () => {
    expect(cidrContainsIp(cidr('10.1.0.0/24'), parseIp('10.1.0.255')!)).toBe(true);
    expect(cidrContainsIp(cidr('10.1.0.0/24'), parseIp('10.1.1.0')!)).toBe(false);
    expect(cidrContainsIp(cidr('10.1.0.0/24'), parseIp('::1')!)).toBe(false);
    expect(cidrContainsCidr(cidr('10.1.0.0/16'), cidr('10.1.128.0/17'))).toBe(true);
    expect(cidrContainsCidr(cidr('10.1.128.0/17'), cidr('10.1.0.0/16'))).toBe(false);
    expect(cidrsOverlap(cidr('10.1.0.0/16'), cidr('10.1.200.0/24'))).toBe(true);
    expect(cidrsOverlap(cidr('10.1.0.0/24'), cidr('10.1.1.0/24'))).toBe(false);
    expect(cidrsOverlap(cidr('fd00::/64'), cidr('fd00::/48'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.0.0/8'), cidr('fd00::/8'))).toBe(false);
  });

  it('knows reserved ranges', () => {
    expect(reservedOverlap(cidr('127.0.0.0/16'))).toContain('loopback');
    expect(reservedOverlap(cidr('0.0.0.0/0'))).not.toBeNull();
    expect(reservedOverlap(cidr('224.1.0.0/16'))).toContain('multicast');
    expect(reservedOverlap(cidr('fe80::/64'))).toContain('link-local');
    expect(reservedOverlap(cidr('10.9.0.0/16'))).toBeNull();
  });

  it('reads an interface address as its subnet', () => {
    expect(formatCidr(subnetOfInterfaceAddress('192.0.2.2/24')!)).toBe('192.0.2.0/24');
    expect(formatCidr(subnetOfInterfaceAddress('fd00::5/64')!)).toBe('fd00::/64');
    expect(subnetOfInterfaceAddress('nonsense')).toBeNull();
  });
});

describe('MAC addresses', () => {
  it('accepts unicast and refuses the rest with a reason', () => {
    expect(macProblem('02:42:ac:11:00:02')).toBeNull();
    expect(macProblem('02:42:AC:11:00:02')).toBeNull();
    expect(macProblem('01:00:5e:00:00:01')).toContain('multicast');
    expect(macProblem('00:00:00:00:00:00')).toContain('all-zero');
    expect(macProblem('02:42:ac:11:00')).toContain('six');
    expect(macProblem('02-42-ac-11-00-02')).toContain('six');
  });
});
