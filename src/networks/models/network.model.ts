import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { ApiField } from '../../common/api/api-field';

@ObjectType('IpamConfig')
export class IpamConfigModel {
  @ApiField('string', { optional: true, example: '10.20.0.0/24' })
  subnet!: string | null;

  @ApiField('string', { optional: true, example: '10.20.0.1' })
  gateway!: string | null;

  @ApiField('string', { optional: true, example: '10.20.0.128/25' })
  ipRange!: string | null;

  @ApiField('stringMap', { description: 'Addresses the IPAM driver must not hand out, by host name' })
  auxAddresses!: Record<string, string>;
}

@ObjectType('Ipam')
export class IpamModel {
  @ApiField('string', { example: 'default' })
  driver!: string;

  @ApiField(IpamConfigModel, { array: true })
  config!: IpamConfigModel[];

  @ApiField('stringMap')
  options!: Record<string, string>;
}

@ObjectType('NetworkContainer', { description: 'A running container with an endpoint on the network' })
export class NetworkContainerModel {
  @ApiField('string')
  id!: string;

  @ApiField('string')
  name!: string;

  @ApiField('string', { optional: true, example: '10.20.0.2' })
  ipv4Address!: string | null;

  @ApiField('string', { optional: true })
  ipv6Address!: string | null;

  @ApiField('string', { optional: true, example: '02:42:0a:14:00:02' })
  macAddress!: string | null;

  @ApiField('string', { array: true, description: 'DNS names of the container on this network' })
  aliases!: string[];
}

@ObjectType('Network')
export class NetworkModel {
  @ApiField('string')
  id!: string;

  @ApiField('string', { example: 'backend' })
  name!: string;

  @ApiField('string', { example: 'bridge' })
  driver!: string;

  @ApiField('string', { example: 'local', description: 'local, swarm or global' })
  scope!: string;

  @ApiField('boolean')
  internal!: boolean;

  @ApiField('boolean')
  attachable!: boolean;

  @ApiField('boolean')
  ingress!: boolean;

  @ApiField('boolean')
  enableIPv6!: boolean;

  @ApiField(IpamModel)
  ipam!: IpamModel;

  @ApiField('stringMap', { description: 'Driver options' })
  options!: Record<string, string>;

  @ApiField('stringMap')
  labels!: Record<string, string>;

  @ApiField('datetime', { optional: true, description: 'Null for networks the engine predefines' })
  createdAt!: Date | null;

  @ApiField('boolean', {
    description: 'One of the networks Docker itself creates (bridge, host, none, ingress, docker_gwbridge)',
  })
  builtIn!: boolean;

  @ApiField(NetworkContainerModel, { array: true })
  containers!: NetworkContainerModel[];
}

@ObjectType('NetworkConnection', {
  description: 'A container endpoint on a network, as the engine applied it',
})
export class NetworkConnectionModel {
  @ApiField('string', { description: 'Network name' })
  network!: string;

  @ApiField('string')
  networkId!: string;

  @ApiField('string', { description: 'Container name' })
  container!: string;

  @ApiField('string')
  containerId!: string;

  @ApiField('string', {
    optional: true,
    description: 'Null while the container is stopped: the engine assigns on start',
  })
  ipv4Address!: string | null;

  @ApiField('string', { optional: true })
  ipv6Address!: string | null;

  @ApiField('string', { optional: true })
  macAddress!: string | null;

  @ApiField('string', { array: true })
  aliases!: string[];
}

@ObjectType('NetworkPruneResult')
export class NetworkPruneResultModel {
  @ApiField('string', { array: true, description: 'Names of the removed networks' })
  removed!: string[];
}

export class NetworkListModel {
  @ApiProperty({ type: () => NetworkModel, isArray: true })
  items!: NetworkModel[];
}
