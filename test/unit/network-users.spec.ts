import type { ContainerSummary } from '../../src/engine/engine.types';
import { networkUsers } from '../../src/networks/network-users';
import { queryStringRefusal } from '../../src/common/http/query-string.interceptor';

const container = (name: string, state: string, extra: Partial<ContainerSummary>): ContainerSummary => ({
  id: `${name}-id`,
  names: [name],
  image: 'busybox',
  state,
  status: '',
  createdAt: null,
  labels: {},
  networkMode: 'default',
  endpoints: [],
  ...extra,
});
const endpoint = (networkName: string, networkId: string) => ({
  networkName,
  networkId,
  endpointId: '',
  ipv4Address: null,
  ipv6Address: null,
  macAddress: null,
  aliases: [],
  requestedIpv4Address: null,
  requestedIpv6Address: null,
});

describe('networkUsers: containers in any state that refer to a network', () => {
  const network = { id: 'n'.repeat(64), name: 'app' };
  it('finds them by network mode (name or id) and by endpoint (name or id)', () => {
    const all = [
      container('by-mode-name', 'exited', { networkMode: 'app' }),
      container('by-mode-id', 'created', { networkMode: network.id }),
      // A created container's endpoint may not have the network id yet.
      container('by-endpoint-name', 'created', { endpoints: [endpoint('app', '')] }),
      container('by-endpoint-id', 'exited', { endpoints: [endpoint('renamed?', network.id)] }),
      container('other', 'exited', {
        networkMode: 'bridge',
        endpoints: [endpoint('bridge', 'b'.repeat(64))],
      }),
      container('empty', 'created', { networkMode: '', endpoints: [endpoint('', '')] }),
    ];
    expect(networkUsers(network, all).map((c) => c.names[0])).toEqual([
      'by-mode-name',
      'by-mode-id',
      'by-endpoint-name',
      'by-endpoint-id',
    ]);
  });
});

describe('queryStringRefusal', () => {
  it('refuses every parameter, saying where the input belongs', () => {
    const refusal = queryStringRefusal(
      'POST',
      '/api/v1/networks/prune',
      { all: 'true', labels: 'x=1' },
      true,
    );
    expect(refusal?.code).toBe('VALIDATION_FAILED');
    expect(refusal?.errors).toEqual([
      { field: 'query.all', message: expect.stringContaining('JSON body') },
      { field: 'query.labels', message: expect.stringContaining('JSON body') },
    ]);
    expect(queryStringRefusal('DELETE', '/api/v1/networks/x', { force: 'true' }, false)?.message).toContain(
      'takes no query parameters',
    );
    expect(queryStringRefusal('POST', '/x', {}, true)).toBeNull();
  });
});
