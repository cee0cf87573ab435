import { parsePing, programMissing, splitByTarget } from '../../src/connectivity/ping-output';

const BUSYBOX_OK = `PING web (10.20.0.3): 56 data bytes
64 bytes from 10.20.0.3: seq=0 ttl=64 time=0.687 ms
64 bytes from 10.20.0.3: seq=1 ttl=64 time=0.105 ms

--- web ping statistics ---
2 packets transmitted, 2 packets received, 0% packet loss
round-trip min/avg/max = 0.105/0.396/0.687 ms
`;

const IPUTILS_PARTIAL = `PING db (10.20.0.4) 56(84) bytes of data.
64 bytes from db.net (10.20.0.4): icmp_seq=1 ttl=64 time=0.045 ms

--- db ping statistics ---
4 packets transmitted, 3 received, +1 errors, 25% packet loss, time 3050ms
rtt min/avg/max/mdev = 0.040/0.052/0.066/0.011 ms
`;

describe('parsePing', () => {
  it('reads busybox output', () => {
    expect(parsePing(BUSYBOX_OK)).toEqual({
      resolvedAddress: '10.20.0.3',
      transmitted: 2,
      received: 2,
      packetLoss: 0,
      rttMs: { min: 0.105, avg: 0.396, max: 0.687 },
      unresolved: false,
      networkUnreachable: false,
    });
  });

  it('reads iputils output', () => {
    expect(parsePing(IPUTILS_PARTIAL)).toMatchObject({
      resolvedAddress: '10.20.0.4',
      transmitted: 4,
      received: 3,
      packetLoss: 25,
      rttMs: { min: 0.04, avg: 0.052, max: 0.066 },
    });
  });

  it('tells unresolved names, unreachable networks and total loss apart', () => {
    expect(parsePing("ping: bad address 'nosuch'\n").unresolved).toBe(true);
    expect(parsePing('ping: nosuch: Name or service not known\n').unresolved).toBe(true);
    expect(
      parsePing('PING 10.1.1.1 (10.1.1.1): 56 data bytes\nping: sendto: Network unreachable\n'),
    ).toMatchObject({
      networkUnreachable: true,
      received: 0,
    });
    const lost = parsePing(
      'PING 10.9.9.9 (10.9.9.9): 56 data bytes\n\n--- 10.9.9.9 ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss\n',
    );
    expect(lost).toMatchObject({
      transmitted: 3,
      received: 0,
      packetLoss: 100,
      rttMs: null,
      unresolved: false,
    });
    expect(parsePing('')).toMatchObject({
      transmitted: 0,
      received: 0,
      packetLoss: null,
      resolvedAddress: null,
    });
  });
});

describe('matrix output and missing programs', () => {
  it('splits prefixed lines by target', () => {
    const out = splitByTarget(
      '10.0.0.2|PING 10.0.0.2 (10.0.0.2): 56 data bytes\n10.0.0.3|line a\n10.0.0.2|line b\nnoise\n',
    );
    expect(out.get('10.0.0.2')).toBe('PING 10.0.0.2 (10.0.0.2): 56 data bytes\nline b\n');
    expect(out.get('10.0.0.3')).toBe('line a\n');
    expect(out.size).toBe(2);
  });

  it('knows when the runtime could not find the program', () => {
    expect(
      programMissing(126, 'OCI runtime exec failed: exec: "ping": executable file not found in $PATH'),
    ).toBe(true);
    expect(programMissing(127, 'sh: ping: not found')).toBe(true);
    expect(programMissing(1, 'ping: bad address')).toBe(false);
    expect(programMissing(null, '')).toBe(false);
  });
});
