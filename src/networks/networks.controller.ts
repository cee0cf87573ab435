import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { ConnectContainerInput } from './dto/connect-container.input';
import { CreateNetworkInput } from './dto/create-network.input';
import { DisconnectQuery } from './dto/disconnect.query';
import { NetworkFilterInput } from './dto/network-filter.input';
import { PruneNetworksInput } from './dto/prune-networks.input';
import {
  NetworkConnectionModel,
  NetworkListModel,
  NetworkModel,
  NetworkPruneResultModel,
} from './models/network.model';
import { NetworkConnectionsService } from './network-connections.service';
import { NetworksService } from './networks.service';

@ApiTags('networks')
@Controller(`${API_PREFIX}/networks`)
export class NetworksController {
  constructor(
    private readonly networks: NetworksService,
    private readonly connections: NetworkConnectionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List networks' })
  @ApiResponse({ status: 200, type: NetworkListModel })
  @ApiProblems(400, 503, 504)
  async list(@Query() filter: NetworkFilterInput): Promise<NetworkListModel> {
    return { items: await this.networks.list(filter) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a network',
    description: 'Answers the network as inspected after creation.',
  })
  @ApiResponse({ status: 201, type: NetworkModel })
  @ApiProblems(400, 409, 422, 503, 504)
  create(@Body() input: CreateNetworkInput): Promise<NetworkModel> {
    return this.networks.create(input);
  }

  @Post('prune')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove unused networks (by default only those Switchyard created)' })
  @ApiResponse({ status: 200, type: NetworkPruneResultModel })
  @ApiProblems(400, 503, 504)
  async prune(@Body() input: PruneNetworksInput): Promise<NetworkPruneResultModel> {
    return { removed: await this.networks.prune(input) };
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Inspect a network by exact name, full id or id prefix' })
  @ApiResponse({ status: 200, type: NetworkModel })
  @ApiProblems(404, 409, 503, 504)
  get(@Param('ref') ref: string): Promise<NetworkModel> {
    return this.networks.get(ref);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a network' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblems(404, 409, 503, 504)
  async remove(@Param('ref') ref: string): Promise<void> {
    await this.networks.remove(ref);
  }

  @Post(':ref/connections')
  @ApiOperation({
    summary: 'Connect a container to the network',
    description:
      'Answers the endpoint as the engine applied it; a setting the engine ignored is a 422 and is undone.',
  })
  @ApiResponse({ status: 201, type: NetworkConnectionModel })
  @ApiProblems(400, 404, 409, 422, 503, 504)
  connect(@Param('ref') ref: string, @Body() input: ConnectContainerInput): Promise<NetworkConnectionModel> {
    return this.connections.connect(ref, input);
  }

  @Delete(':ref/connections/:container')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disconnect a container from the network' })
  @ApiResponse({ status: 204, description: 'Disconnected' })
  @ApiProblems(404, 409, 503, 504)
  async disconnect(
    @Param('ref') ref: string,
    @Param('container') container: string,
    @Query() query: DisconnectQuery,
  ): Promise<void> {
    await this.connections.disconnect(ref, container, query.force ?? false);
  }
}
