import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Audited, NETWORK_REF, NEW_NETWORK } from '../audit/audited.decorator';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
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
  @Allow('viewer')
  networks(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => NetworkFilterInput, nullable: true }) filter?: NetworkFilterInput,
  ): Promise<NetworkModel[]> {
    return this.service.list(filter ?? {}, actor);
  }

  @Query(() => NetworkModel, { description: 'One network by exact name, full id or id prefix' })
  @Allow('viewer')
  network(@Args('ref') ref: string, @CurrentActor() actor: Actor): Promise<NetworkModel> {
    return this.service.get(ref, actor);
  }

  @Mutation(() => NetworkModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'network.create', target: NEW_NETWORK })
  createNetwork(
    @Args('input') input: CreateNetworkInput,
    @CurrentActor() actor: Actor,
  ): Promise<NetworkModel> {
    return this.service.create(input, actor);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Removes the network; true when done' })
  @Allow('operator')
  @Audited({ action: 'network.remove', target: NETWORK_REF })
  async removeNetwork(@Args('ref') ref: string, @CurrentActor() actor: Actor): Promise<boolean> {
    await this.service.remove(ref, actor);
    return true;
  }

  @Mutation(() => NetworkPruneResultModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'network.prune' })
  async pruneNetworks(
    @CurrentActor() actor: Actor,
    @Args('input', { type: () => PruneNetworksInput, nullable: true }) input?: PruneNetworksInput,
  ): Promise<NetworkPruneResultModel> {
    return { removed: await this.service.prune(input ?? {}, actor) };
  }

  @Mutation(() => NetworkConnectionModel, { nullable: true })
  @Allow('operator')
  @Audited({ action: 'network.connect', target: NETWORK_REF })
  connectContainer(
    @Args('network', { description: 'Network name or id' }) network: string,
    @Args('input') input: ConnectContainerInput,
    @CurrentActor() actor: Actor,
  ): Promise<NetworkConnectionModel> {
    return this.connections.connect(network, input, actor);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Disconnects the container; true when done' })
  @Allow('operator')
  @Audited({ action: 'network.disconnect', target: NETWORK_REF })
  async disconnectContainer(
    @Args('network') network: string,
    @Args('container') container: string,
    @CurrentActor() actor: Actor,
    @Args('force', { nullable: true, defaultValue: false }) force: boolean,
  ): Promise<boolean> {
    await this.connections.disconnect(network, container, force, actor);
    return true;
  }
}
