import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { ApiProblems } from '../common/api/api-problems';
import { API_PREFIX } from '../common/api/api-prefix';
import { DomainError } from '../common/errors/domain-error';
import { TopologyQuery } from './dto/topology-filter.input';
import { TopologyModel } from './models/topology.model';
import { renderSvg } from './render/svg';
import { renderDot, renderMermaid } from './render/text';
import { TopologyService } from './topology.service';
import { TOPOLOGY_CONTENT_TYPES, type TopologyGraph } from './topology.types';

// The media type alone (OpenAPI keys its answers by it).
const media = (format: keyof typeof TOPOLOGY_CONTENT_TYPES) => TOPOLOGY_CONTENT_TYPES[format].split(';')[0];

@ApiTags('topology')
@ApiExtraModels(TopologyModel)
@ApiBearerAuth()
@Controller(`${API_PREFIX}/topology`)
export class TopologyController {
  constructor(private readonly topology: TopologyService) {}

  @Get()
  @ApiOperation({
    summary: 'The live graph of networks and containers, as JSON, Mermaid, Graphviz DOT or SVG',
    description:
      'Networks and containers within reach of the key as nodes (`network:<id>`, `container:<id>`), an edge per ' +
      'endpoint with its addresses and aliases. Filters combine with AND: `network` (repeatable) keeps those ' +
      'networks and the containers on them, `label` (repeatable) what carries the labels, `template` what the ' +
      "template made plus its expectations with their last results, `engine` checks the engine's id or name. " +
      '`format` picks the answer: json (default), mermaid, dot or svg (`theme` for svg).',
  })
  @ApiResponse({
    status: 200,
    description: 'The graph in the format asked for',
    content: {
      [media('json')]: { schema: { $ref: getSchemaPath(TopologyModel) } },
      [media('mermaid')]: { schema: { type: 'string', description: 'A Mermaid flowchart' } },
      [media('dot')]: { schema: { type: 'string', description: 'A Graphviz digraph' } },
      [media('svg')]: { schema: { type: 'string', description: 'A standalone SVG document' } },
    },
  })
  @ApiProblems(400, 404, 409, 503, 504)
  @Allow('viewer')
  async get(
    @Query() query: TopologyQuery,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TopologyGraph | string> {
    const { format = 'json', theme, ...filter } = query;
    // A setting that would be ignored is refused, as unknown parameters are.
    if (theme !== undefined && format !== 'svg') {
      throw DomainError.validation([
        { field: 'theme', message: `theme applies to format=svg only; leave it out for format=${format}` },
      ]);
    }
    const graph = await this.topology.graph(filter, actor);
    void reply.type(TOPOLOGY_CONTENT_TYPES[format]);
    if (format === 'mermaid') return renderMermaid(graph);
    if (format === 'dot') return renderDot(graph);
    if (format === 'svg') return renderSvg(graph, { theme });
    return graph;
  }
}
