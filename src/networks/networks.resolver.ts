import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectContainerInput } from './dto/connect-container.input';
import { CreateNetworkInput } from './dto/create-network.input';
import { NetworkFilterInput } from './dto/network-filter.input';
import { PruneNetworksInput } from './dto/prune-networks.input';
import { NetworkConnectionModel, NetworkModel, NetworkPruneResultModel } from './models/network.model';
import { NetworkConnectionsService } from './network-connections.service';
import { NetworksService } from './networks.service';

@Resolver(() => NetworkModel)
export class NetworksResolver {
  constructor(
    private readonly service: NetworksService,
    private readonly connections: NetworkConnectionsService,
  ) {}

  @Query(() => [NetworkModel], { description: 'Networks on the engine, by name' })
  networks(
    @Args('filter', { type: () => NetworkFilterInput, nullable: true }) filter?: NetworkFilterInput,
  ): Promise<NetworkModel[]> {
    return this.service.list(filter ?? {});
  }

  @Query(() => NetworkModel, { description: 'One network by exact name, full id or id prefix' })
  network(@Args('ref') ref: string): Promise<NetworkModel> {
    return this.service.get(ref);
  }

  @Mutation(() => NetworkModel)
  createNetwork(@Args('input') input: CreateNetworkInput): Promise<NetworkModel> {
    return this.service.create(input);
  }

  @Mutation(() => Boolean, { description: 'Removes the network; true when done' })
  async removeNetwork(@Args('ref') ref: string): Promise<boolean> {
    await this.service.remove(ref);
    return true;
  }

  @Mutation(() => NetworkPruneResultModel)
  async pruneNetworks(
    @Args('input', { type: () => PruneNetworksInput, nullable: true }) input?: PruneNetworksInput,
  ): Promise<NetworkPruneResultModel> {
    return { removed: await this.service.prune(input ?? {}) };
  }

  @Mutation(() => NetworkConnectionModel)
  connectContainer(
    @Args('network', { description: 'Network name or id' }) network: string,
    @Args('input') input: ConnectContainerInput,
  ): Promise<NetworkConnectionModel> {
    return this.connections.connect(network, input);
  }

  @Mutation(() => Boolean, { description: 'Disconnects the container; true when done' })
  async disconnectContainer(
    @Args('network') network: string,
    @Args('container') container: string,
    @Args('force', { nullable: true, defaultValue: false }) force: boolean,
  ): Promise<boolean> {
    await this.connections.disconnect(network, container, force);
    return true;
  }
}
