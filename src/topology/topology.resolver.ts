import { Args, Parent, Query, registerEnumType, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, CurrentActor } from '../auth/access.decorators';
import type { Actor } from '../auth/roles';
import { SVG_THEMES, type SvgTheme, TopologyFilterInput } from './dto/topology-filter.input';
import { TopologyModel } from './models/topology.model';
import { renderSvg } from './render/svg';
import { renderDot, renderMermaid } from './render/text';
import { TopologyService } from './topology.service';
import type { TopologyGraph } from './topology.types';

// The values of svg(theme:), as a GraphQL enum.
const SvgThemeEnum = Object.fromEntries(SVG_THEMES.map((t) => [t, t])) as Record<SvgTheme, SvgTheme>;
registerEnumType(SvgThemeEnum, {
  name: 'SvgTheme',
  description: 'auto follows the reader (prefers-color-scheme)',
});

@Resolver(() => TopologyModel)
export class TopologyResolver {
  constructor(private readonly service: TopologyService) {}

  @Query(() => TopologyModel, {
    description:
      'The live graph of networks and containers within reach of the key, an edge per endpoint; mermaid, dot and svg render it',
  })
  @Allow('viewer')
  topology(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => TopologyFilterInput, nullable: true }) filter?: TopologyFilterInput,
  ): Promise<TopologyGraph> {
    return this.service.graph(filter ?? {}, actor);
  }

  // The renderings are made only when asked for, from the graph the query read.
  @ResolveField(() => String, { description: 'The graph as a Mermaid flowchart' })
  mermaid(@Parent() graph: TopologyGraph): string {
    return renderMermaid(graph);
  }

  @ResolveField(() => String, { description: 'The graph as Graphviz DOT' })
  dot(@Parent() graph: TopologyGraph): string {
    return renderDot(graph);
  }

  @ResolveField(() => String, { description: 'The graph laid out as a standalone SVG document' })
  svg(
    @Parent() graph: TopologyGraph,
    @Args('theme', { type: () => SvgThemeEnum, nullable: true }) theme?: SvgTheme,
  ): string {
    return renderSvg(graph, { theme: theme ?? undefined });
  }
}
