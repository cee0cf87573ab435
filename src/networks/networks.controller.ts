import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Audited, NETWORK_REF, NEW_NETWORK } from '../audit/audited.decorator';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
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
@ApiBearerAuth()
@Controller(`${API_PREFIX}/networks`)
export class NetworksController {
  constructor(
    private readonly networks: NetworksService,
    private readonly connections: NetworkConnectionsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List networks',
    description: 'Every network within reach of the key, filtered by driver, name, labels or scope.',
  })
  @ApiResponse({ status: 200, type: NetworkListModel })
  @ApiProblems(400, 503, 504)
  @Allow('viewer')
  async list(
    @Query() filter: NetworkFilterInput,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const answer = await this.networks.listAnswer(filter, actor);
    // The answer's JSON is made once per model version (NetworkListAnswer); bytes with a JSON
    // content type go out as they are, through the same hooks as any answer.
    void reply.type('application/json; charset=utf-8');
    return answer.body();
  }

  @Post()
  @ApiOperation({
    summary: 'Create a network',
    description: 'Answers the network as inspected after creation.',
  })
  @ApiResponse({ status: 201, type: NetworkModel })
  @ApiProblems(400, 409, 422, 503, 504)
  @Allow('operator')
  @Audited({ action: 'network.create', target: NEW_NETWORK })
  create(@Body() input: CreateNetworkInput, @CurrentActor() actor: Actor): Promise<NetworkModel> {
    return this.networks.create(input, actor);
  }

  @Post('prune')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove unused networks (by default only those this instance created)',
    description:
      'Networks that this Switchyard instance created (label `io.switchyard.instance`) and that no container in any state (running, stopped or created) refers to; `labels` narrows it further. `all: true` removes every unused network on the engine and needs an unscoped admin key. Filters go in the JSON body: a query string is refused. Answers the names removed.',
  })
  @ApiResponse({ status: 200, type: NetworkPruneResultModel })
  @ApiProblems(400, 403, 503, 504)
  @Allow('operator')
  @Audited({ action: 'network.prune' })
  async prune(
    @Body() input: PruneNetworksInput,
    @CurrentActor() actor: Actor,
  ): Promise<NetworkPruneResultModel> {
    return { removed: await this.networks.prune(input, actor) };
  }

  @Get(':ref')
  @ApiOperation({
    summary: 'Inspect a network by exact name, full id or id prefix',
    description: 'With the containers attached to it; a prefix that matches two networks is a 409.',
  })
  @ApiResponse({ status: 200, type: NetworkModel })
  @ApiProblems(404, 409, 503, 504)
  @Allow('viewer')
  get(@Param('ref') ref: string, @CurrentActor() actor: Actor): Promise<NetworkModel> {
    return this.networks.get(ref, actor);
  }

  @Delete(':ref')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a network',
    description:
      'A network that containers refer to, running or not (a stopped container could not start without it), is a 409 NETWORK_IN_USE naming them; built-in networks are refused (BUILTIN_NETWORK).',
  })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiProblems(404, 409, 503, 504)
  @Allow('operator')
  @Audited({ action: 'network.remove', target: NETWORK_REF })
  async remove(@Param('ref') ref: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.networks.remove(ref, actor);
  }

  @Post(':ref/connections')
  @ApiOperation({
    summary: 'Connect a container to the network',
    description:
      'Answers the endpoint as the engine applied it; a setting the engine ignored is a 422 and is undone.',
  })
  @ApiResponse({ status: 201, type: NetworkConnectionModel })
  @ApiProblems(400, 404, 409, 422, 503, 504)
  @Allow('operator')
  @Audited({ action: 'network.connect', target: NETWORK_REF })
  connect(
    @Param('ref') ref: string,
    @Body() input: ConnectContainerInput,
    @CurrentActor() actor: Actor,
  ): Promise<NetworkConnectionModel> {
    return this.connections.connect(ref, input, actor);
  }

  @Delete(':ref/connections/:container')
  @Allow('operator')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Disconnect a container from the network',
    description: 'A container that is not connected is a 404 CONNECTION_NOT_FOUND.',
  })
  @ApiResponse({ status: 204, description: 'Disconnected' })
  @ApiProblems(404, 409, 503, 504)
  @Audited({ action: 'network.disconnect', target: NETWORK_REF })
  async disconnect(
    @Param('ref') ref: string,
    @Param('container') container: string,
    @Query() query: DisconnectQuery,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.connections.disconnect(ref, container, query.force ?? false, actor);
  }
}
