import type { ContainerSummary, NetworkInfo } from '../../src/engine/engine.types';
import { checkMacFree } from '../../src/networks/endpoint-rules';

const network = {
  id: 'net1',
  name: 'bridge',
  endpoints: [{ containerId: 'c1', containerName: 'team-b-box', macAddress: '02:42:ac:11:00:02' }],
} as unknown as NetworkInfo;
const stopped = (mac: string, networkId = '', networkName = 'bridge') =>
  ({
    id: 'c2',
    names: ['stopped-box'],
    endpoints: [{ networkId, networkName, macAddress: mac }],
  }) as unknown as ContainerSummary;

describe('a chosen MAC address must be free on the network', () => {
  it('refuses one a running endpoint has, in any case, without naming the holder', () => {
    let error: unknown;
    try {
      checkMacFree(network, '02:42:AC:11:00:02', []);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ADDRESS_IN_USE' });
    expect((error as Error).message).toContain('in use on this network');
    expect(JSON.stringify(error)).not.toContain('team-b-box');
  });

  it('refuses one a stopped container is configured with on the network (by id or by name)', () => {
    expect(() => checkMacFree(network, '02:42:ac:11:00:09', [stopped('02:42:ac:11:00:09')])).toThrow(
      'in use on this network',
    );
    expect(() =>
      checkMacFree(network, '02:42:ac:11:00:09', [stopped('02:42:ac:11:00:09', 'net1', 'x')]),
    ).toThrow('in use on this network');
  });

  it('accepts a free one, one used on another network, and none', () => {
    expect(() => checkMacFree(network, '02:42:ac:11:00:03', [])).not.toThrow();
    expect(() =>
      checkMacFree(network, '02:42:ac:11:00:09', [stopped('02:42:ac:11:00:09', 'net2', 'other')]),
    ).not.toThrow();
    expect(() => checkMacFree(network, undefined, [])).not.toThrow();
  });
});
