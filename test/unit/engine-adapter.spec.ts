import { compareApiVersions, featuresFor } from '../../src/engine/api-version';
import { classifyEngineError, isTransportError } from '../../src/engine/engine-error.classifier';
import { parseDockerHost } from '../../src/engine/engine-connection';
import { ConfigError } from '../../src/config/app-config';

describe('API version negotiation rules', () => {
  it('compares versions numerically', () => {
    expect(compareApiVersions('1.41', '1.9')).toBeGreaterThan(0);
    expect(compareApiVersions('1.44', '1.44')).toBe(0);
    expect(compareApiVersions('1.43', '1.54')).toBeLessThan(0);
  });

  it('derives features from the negotiated version', () => {
    expect(featuresFor('1.41')).toMatchObject({
      macAddressOnConnect: false,
      perEndpointMacAtCreate: false,
      uniqueNetworkNames: false,
    });
    expect(featuresFor('1.44')).toMatchObject({
      macAddressOnConnect: false,
      perEndpointMacAtCreate: true,
      multipleNetworksAtCreate: true,
    });
    expect(featuresFor('1.54')).toMatchObject({ macAddressOnConnect: true });
  });
});

describe('engine error classification', () => {
  const engineError = (statusCode: number, message: string) => ({
    statusCode,
    json: { message },
    message: `(HTTP code ${statusCode})`,
  });

  it.each([
    [404, 'plugin "nosuch" not found', 'DRIVER_NOT_FOUND'],
    [409, 'network with name x already exists', 'NAME_CONFLICT'],
    [403, 'endpoint with name c already exists in network n', 'ALREADY_CONNECTED'],
    [403, 'Pool overlaps with other one on this address space', 'POOL_OVERLAP'],
    [
      400,
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
      'POOLS_EXHAUSTED',
    ],
    [
      500,
      'invalid subinterface vlan name nope0, example formatting is eth0.10',
      'PARENT_INTERFACE_NOT_FOUND',
    ],
    [500, '-o parent interface does was not found on the host: eth1', 'PARENT_INTERFACE_NOT_FOUND'],
    [500, 'network dm-877323f6f646 is already using parent interface sy-veth0', 'PARENT_IN_USE'],
    [503, 'This node is not a swarm manager. Use "docker swarm init"', 'NOT_SWARM_MANAGER'],
    [
      500,
      "Invalid address 10.99.1.9: It does not belong to any of this network's subnets",
      'ADDRESS_OUTSIDE_SUBNET',
    ],
    [
      400,
      'user specified IP address is supported only when connecting to networks with user configured subnets',
      'ADDRESS_NOT_ASSIGNABLE',
    ],
    [500, 'container abc is not connected to network n', 'NOT_CONNECTED'],
    [403, 'error while removing network: network n id x has active endpoints', 'HAS_ENDPOINTS'],
    [500, 'failed to create sy-veth0.10 vlan link: operation not supported', 'OPERATION_NOT_SUPPORTED'],
    [404, 'No such container: x', 'NOT_FOUND'],
    [
      409,
      'Conflict. The container name "/web" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
      'NAME_CONFLICT',
    ],
    [
      409,
      'You cannot remove a running container abc. Stop the container before attempting removal or force remove',
      'RUNNING',
    ],
    [409, 'Container abc is not running', 'NOT_RUNNING'],
    [409, 'a prune operation is already running', 'BUSY'],
    [409, 'Container abc is paused, unpause the container before exec', 'NOT_RUNNING'],
    [403, 'Address already in use', 'ADDRESS_IN_USE'],
    [500, 'failed to allocate secondary ip address (gw:10.0.0.1): Address already in use', 'ADDRESS_IN_USE'],
    [500, 'something else', 'ENGINE_FAILURE'],
  ])('HTTP %i "%s" is %s', (status, message, reason) => {
    expect(classifyEngineError(engineError(status, message))?.reason).toBe(reason);
  });

  it('tells transport failures apart', () => {
    expect(isTransportError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransportError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(true);
    expect(isTransportError(engineError(500, 'x'))).toBe(false);
    expect(classifyEngineError(new Error('plain'))).toBeNull();
  });
});

describe('DOCKER_HOST', () => {
  it('reads unix sockets and plain tcp', () => {
    expect(parseDockerHost('unix:///var/run/docker.sock', false)).toMatchObject({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
    expect(parseDockerHost('tcp://10.1.2.3:2375', false)).toMatchObject({
      kind: 'http',
      host: '10.1.2.3',
      port: 2375,
    });
    expect(parseDockerHost('tcp://engine.example', false)).toMatchObject({ kind: 'http', port: 2375 });
  });

  it('needs readable certificates for TLS', () => {
    expect(() => parseDockerHost('tcp://engine.example:2376', true, '/nonexistent')).toThrow(ConfigError);
  });
});
