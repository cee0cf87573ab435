import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCidr } from '../../src/common/net/ip';
import {
  parseIfInet6,
  parseNetDev,
  parseRouteTable,
  type HostSubnet,
} from '../../src/common/net/host-interfaces';
import { EngineHostLocator } from '../../src/engine/engine-host';

const show = (subnets: HostSubnet[]) => subnets.map((s) => `${s.interfaceName} ${formatCidr(s.cidr)}`);

// Taken from an engine's namespace on the project's machine (tabs as the kernel writes them).
const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'sy-veth1\t00FAD50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'br-3f1c0a9b2d4e\t000014AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'tun0\t0100000A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
  'down0\t0000000B\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0',
].join('\n');

const IF_INET6 = [
  '00000000000000000000000000000001 01 80 10 80       lo',
  'fe80000000000000a44246fffe9fa256 05 40 20 80   sy-mv0',
  'fd00000000000000000000000000000a 02 40 00 80     eth0',
  '20010db8000000010000000000000005 06 30 00 80  docker0',
].join('\n');

const NET_DEV = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
  'sy-veth1:    1046      13    0    0    0     0          0         0     1046      13    0    0    0     0       0          0',
].join('\n');

describe('the host network of an engine, read from /proc', () => {
  it('takes the gateway-less routes of real interfaces as their IPv4 subnets', () => {
    expect(show(parseRouteTable(ROUTE))).toEqual([
      'eth0 10.0.2.0/24',
      'sy-veth1 10.213.250.0/24',
      'tun0 10.0.0.1/32',
    ]);
  });

  it('takes global and site IPv6 addresses, without loopback, link-local or Docker bridges', () => {
    expect(show(parseIfInet6(IF_INET6))).toEqual(['eth0 fd00::/64']);
  });

  it('lists every interface name', () => {
    expect(parseNetDev(NET_DEV)).toEqual(['lo', 'sy-veth1']);
  });

  it('reads nothing from garbage', () => {
    expect(parseRouteTable('x\ny z')).toEqual([]);
    expect(parseIfInet6('nonsense')).toEqual([]);
    expect(parseNetDev('')).toEqual([]);
  });
});

describe('the engine host locator', () => {
  let proc: string;
  const process = (pid: string, comm: string, files: Record<string, string>) => {
    mkdirSync(join(proc, pid, 'net'), { recursive: true });
    writeFileSync(join(proc, pid, 'comm'), `${comm}\n`);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(proc, pid, 'net', name), text);
  };
  const unix = (path: string) =>
    'Num       RefCount Protocol Flags    Type St Inode Path\n' +
    `00000000828b1422: 00000002 00000000 00010000 0001 01 99519 ${path}\n` +
    '000000008fec3dad: 00000002 00000000 00000000 0002 01 98612\n';

  beforeEach(() => {
    proc = mkdtempSync(join(tmpdir(), 'switchyard-proc-'));
    process('self', 'node', { route: ROUTE.split('\n').slice(0, 3).join('\n'), dev: NET_DEV });
    process('10', 'sshd', { unix: unix('/run/engine-a.sock') });
    process('20', 'dockerd', { unix: unix('/run/engine-b.sock'), route: ROUTE, dev: NET_DEV });
    process('30', 'dockerd', {
      unix: unix('/run/engine-a.sock'),
      route: ROUTE.split('\n').slice(0, 4).join('\n'),
    });
  });
  afterEach(() => rmSync(proc, { recursive: true, force: true }));

  it('reads the namespace of the dockerd listening on the socket', () => {
    const host = new EngineHostLocator('/run/engine-a.sock', proc).network();
    expect(show(host.subnets)).toEqual(['eth0 10.0.2.0/24', 'sy-veth1 10.213.250.0/24']);
    expect(new EngineHostLocator('/run/engine-b.sock', proc).network().interfaces).toEqual([
      'lo',
      'sy-veth1',
    ]);
  });

  it("falls back to this process's namespace when no dockerd listens there, looks again later, and follows a restart", () => {
    jest.useFakeTimers();
    try {
      const locator = new EngineHostLocator('/run/engine-c.sock', proc);
      expect(show(locator.network().subnets)).toEqual(['eth0 10.0.2.0/24']);
      process('40', 'dockerd', { unix: unix('/run/engine-c.sock'), route: ROUTE });
      // A search that found nothing is not repeated on every call.
      expect(locator.network().subnets).toHaveLength(1);
      jest.advanceTimersByTime(30_000);
      expect(locator.network().subnets).toHaveLength(3);
      // The engine's process is gone: looked for again at once.
      rmSync(join(proc, '40'), { recursive: true });
      process('41', 'dockerd', {
        unix: unix('/run/engine-c.sock'),
        route: ROUTE.split('\n').slice(0, 4).join('\n'),
      });
      expect(locator.network().subnets).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
