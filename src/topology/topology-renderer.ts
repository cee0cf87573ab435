import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { SvgTheme } from './dto/topology-filter.input';
import { renderSvg } from './render/svg';
import { renderDot, renderMermaid } from './render/text';
import { TOPOLOGY_CONTENT_TYPES, type TopologyFormat, type TopologyGraph } from './topology.types';

// The SVG layout runs on the event loop (dagre is synchronous): about 0.15 s for 50 containers and
// 0.5 s for 200 on a loaded 2-core machine (npm run bench:topology-svg), growing faster than the
// graph. Past this many nodes the picture is refused with what to do instead, rather than holding
// every other request up for seconds.
export const SVG_MAX_NODES = 300;

// A page that redraws on every engine event asks for the same picture again and again: the last
// pictures are kept by what they show (the graph without its timestamp, and the theme).
const SVG_CACHE_ENTRIES = 16;

export interface TopologyAnswer {
  contentType: string;
  body: TopologyGraph | string;
}

@Injectable()
export class TopologyRenderer {
  private readonly pictures = new Map<string, string>();

  render(graph: TopologyGraph, format: TopologyFormat, theme?: SvgTheme): TopologyAnswer {
    const contentType = TOPOLOGY_CONTENT_TYPES[format];
    if (format === 'mermaid') return { contentType, body: renderMermaid(graph) };
    if (format === 'dot') return { contentType, body: renderDot(graph) };
    if (format === 'svg') return { contentType, body: this.svg(graph, theme) };
    return { contentType, body: graph };
  }

  svg(graph: TopologyGraph, theme?: SvgTheme): string {
    if (graph.nodes.length > SVG_MAX_NODES) {
      throw new DomainError(
        'TOPOLOGY_TOO_LARGE',
        `The graph has ${graph.nodes.length} networks and containers; the service draws an SVG of at most ${SVG_MAX_NODES}. ` +
          'Narrow it with network=, label= or template=, or ask for format=json, dot or mermaid and draw it yourself.',
        { context: { nodes: graph.nodes.length, max: SVG_MAX_NODES } },
      );
    }
    const { generatedAt: _generatedAt, ...shown } = graph;
    const key = createHash('sha256')
      .update(JSON.stringify([theme ?? 'auto', shown]))
      .digest('base64url');
    const cached = this.pictures.get(key);
    if (cached !== undefined) {
      // Most recently used last: the oldest is the first to go.
      this.pictures.delete(key);
      this.pictures.set(key, cached);
      return cached;
    }
    const picture = renderSvg(graph, { theme });
    this.pictures.set(key, picture);
    if (this.pictures.size > SVG_CACHE_ENTRIES)
      this.pictures.delete(this.pictures.keys().next().value as string);
    return picture;
  }
}
