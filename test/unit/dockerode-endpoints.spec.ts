import { toContainerInfo, toContainerSummary } from '../../src/engine/dockerode.mappers';

// Red team F3: Docker 20.10 reports a container made with `--network <network id prefix>` under two
// keys of NetworkSettings.Networks, the prefix as given and the network's name, with the same
// NetworkID (seen on the e20 test engine). One endpoint: kept once, under the network's name.
describe('container endpoints from the engine', () => {
  const networkId = '714c07ba953885ec99d05922ad2508cd8646f7d3e62a9cb83998168b3ebeb3c5';
  const endpoint = {
    NetworkID: networkId,
    EndpointID: '8ebbb241aa',
    IPAddress: '10.133.250.2',
    MacAddress: '02:42:0a:85:fa:02',
    Aliases: ['dfb13c2fb58f'],
  };
  const other = { NetworkID: 'f'.repeat(64), EndpointID: 'e2', IPAddress: '10.133.251.2' };

  const summary = (networks: Record<string, object>) =>
    toContainerSummary({ Id: 'c1', Names: ['/box'], NetworkSettings: { Networks: networks } });
  const inspect = (networks: Record<string, object>) =>
    toContainerInfo({ Id: 'c1', Name: '/box', NetworkSettings: { Networks: networks } });

  it.each([
    ['the id prefix first', { '714c07ba9538': endpoint, 'fx-net': endpoint, other }],
    ['the name first', { 'fx-net': endpoint, '714c07ba9538': endpoint, other }],
  ])('keeps one endpoint per network, under its name (%s), in lists and inspects', (_, networks) => {
    for (const mapped of [summary(networks), inspect(networks)]) {
      expect(mapped.endpoints.map((e) => [e.networkName, e.networkId])).toEqual([
        ['fx-net', networkId],
        ['other', other.NetworkID],
      ]);
      expect(mapped.endpoints[0]).toMatchObject({ ipv4Address: '10.133.250.2', aliases: ['dfb13c2fb58f'] });
    }
  });

  it('keeps endpoints without a network id (never started) as the engine lists them', () => {
    const never = { NetworkID: '', EndpointID: '' };
    const mapped = summary({ '714c07ba9538': never, 'fx-net': never });
    expect(mapped.endpoints.map((e) => e.networkName)).toEqual(['714c07ba9538', 'fx-net']);
  });
});
