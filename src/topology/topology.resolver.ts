import { Args, Context, Parent, Query, registerEnumType, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, CurrentActor } from '../auth/access.decorators';
import { DomainError } from '../common/errors/domain-error';
import type { Actor } from '../auth/roles';
import { SVG_THEMES, type SvgTheme, TopologyFilterInput } from './dto/topology-filter.input';
import { TopologyModel } from './models/topology.model';
import { TopologyRenderer } from './topology-renderer';
import { TopologyService } from './topology.service';
import type { TopologyGraph } from './topology.types';

// The values of svg(theme:), as a GraphQL enum.
const SvgThemeEnum = Object.fromEntries(SVG_THEMES.map((t) => [t, t])) as Record<SvgTheme, SvgTheme>;
registerEnumType(SvgThemeEnum, {
  name: 'SvgTheme',
  description: 'auto follows the reader (prefers-color-scheme)',
});

// SVG pictures one GraphQL operation may ask for (aliases of `svg`, on one `topology` or several):
// each is up to a second of the render worker, which every client shares.
export const SVG_PER_OPERATION = 2;

@Resolver(() => TopologyModel)
export class TopologyResolver {
  constructor(
    private readonly service: TopologyService,
    private readonly renderer: TopologyRenderer,
  ) {}

  // The svg fields resolved so far, by operation (its context object, one per HTTP request or
  // graphql-ws operation).
  private readonly svgCount = new WeakMap<object, number>();

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
    return this.renderer.text(graph, 'mermaid');
  }

  @ResolveField(() => String, { description: 'The graph as Graphviz DOT' })
  dot(@Parent() graph: TopologyGraph): string {
    return this.renderer.text(graph, 'dot');
  }

  // Nullable: a picture refused (too large, too many, the renderer busy) is null with its error,
  // and the rest of the answer stays.
  @ResolveField(() => String, {
    nullable: true,
    description: `The graph laid out as a standalone SVG document (at most ${SVG_PER_OPERATION} per operation; null, with the error, when it is not drawn)`,
  })
  svg(
    @Parent() graph: TopologyGraph,
    @Context() context: object,
    @CurrentActor() actor: Actor,
    @Args('theme', { type: () => SvgThemeEnum, nullable: true }) theme?: SvgTheme,
  ): Promise<string> {
    const count = (this.svgCount.get(context) ?? 0) + 1;
    this.svgCount.set(context, count);
    if (count > SVG_PER_OPERATION) {
      return Promise.reject(
        new DomainError(
          'QUERY_TOO_COMPLEX',
          `The operation asks for more than ${SVG_PER_OPERATION} SVG pictures (svg fields, aliases included); ` +
            'ask for the others in later requests, or take mermaid or dot, which are not limited.',
          { context: { max: SVG_PER_OPERATION } },
        ),
      );
    }
    return this.renderer.svg(graph, theme ?? undefined, actor.keyId);
  }
}
