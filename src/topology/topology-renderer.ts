import { createHash } from 'node:crypto';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { SvgTheme } from './dto/topology-filter.input';
import {
  drawInProcess,
  RenderQueue,
  RenderQueueFull,
  type SvgDraw,
  SvgWorker,
  workerScript,
} from './render/render-pool';
import { renderDot, renderMermaid } from './render/text';
import { TOPOLOGY_CONTENT_TYPES, type TopologyFormat, type TopologyGraph } from './topology.types';

// The SVG layout is synchronous (dagre): about 0.15 s for 50 containers and 0.5 s for 200 on a
// loaded 2-core machine (npm run bench:topology-svg), growing faster than the graph. It runs in a
// worker thread, one picture at a time, so that it never holds the event loop; past this many
// nodes the picture is refused with what to do instead, so that one picture cannot hold the
// worker for long either.
export const SVG_MAX_NODES = 300;

// Pictures waiting for the worker, across the service. One more is refused at once with
// TOPOLOGY_BUSY (retry): at up to a second a picture, a longer queue only makes every answer late.
export const SVG_MAX_WAITING = 8;
// Of those, what one API key may have waiting: one key cannot have every other key refused.
export const SVG_MAX_WAITING_PER_KEY = 2;

// A page that redraws on every engine event asks for the same picture again and again: the last
// pictures are kept by what they show (the graph without its timestamp, and the theme).
const SVG_CACHE_ENTRIES = 16;

// Seconds a refused client is told to wait (Retry-After): about what the queue takes to move.
const RETRY_AFTER_SECONDS = 1;

export interface TopologyAnswer {
  contentType: string;
  body: TopologyGraph | string;
}

@Injectable()
export class TopologyRenderer implements OnApplicationShutdown {
  private readonly pictures = new Map<string, string>();
  private readonly queue = new RenderQueue(SVG_MAX_WAITING, SVG_MAX_WAITING_PER_KEY);
  private readonly worker: SvgWorker | null;
  private draw: SvgDraw;

  // The compiled worker draws; run from the TypeScript sources (ts-jest: there is no compiled
  // worker) the event loop does, through the same queue.
  constructor() {
    const script = workerScript();
    this.worker = script ? new SvgWorker(script) : null;
    this.draw = this.worker?.draw ?? drawInProcess;
  }

  // A renderer that draws with `draw` (tests of the queue).
  static drawingWith(draw: SvgDraw): TopologyRenderer {
    const renderer = new TopologyRenderer();
    renderer.draw = draw;
    return renderer;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  // `owner`: the API key asking (its share of the waiting places).
  async render(
    graph: TopologyGraph,
    format: TopologyFormat,
    theme?: SvgTheme,
    owner?: string,
  ): Promise<TopologyAnswer> {
    const contentType = TOPOLOGY_CONTENT_TYPES[format];
    if (format === 'mermaid') return { contentType, body: renderMermaid(graph) };
    if (format === 'dot') return { contentType, body: renderDot(graph) };
    if (format === 'svg') return { contentType, body: await this.svg(graph, theme, owner) };
    return { contentType, body: graph };
  }

  text(graph: TopologyGraph, format: 'mermaid' | 'dot'): string {
    return format === 'mermaid' ? renderMermaid(graph) : renderDot(graph);
  }

  svg(graph: TopologyGraph, theme?: SvgTheme, owner?: string): Promise<string> {
    if (graph.nodes.length > SVG_MAX_NODES) {
      return Promise.reject(
        new DomainError(
          'TOPOLOGY_TOO_LARGE',
          `The graph has ${graph.nodes.length} networks and containers; the service draws an SVG of at most ${SVG_MAX_NODES}. ` +
            'Narrow it with network=, label= or template=, or ask for format=json, dot or mermaid and draw it yourself.',
          { context: { nodes: graph.nodes.length, max: SVG_MAX_NODES } },
        ),
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
      return Promise.resolve(cached);
    }
    try {
      // The same picture asked for while it is drawn is drawn once, for every caller.
      return this.queue.run(
        key,
        async () => {
          const picture = await this.draw(graph, theme);
          this.remember(key, picture);
          return picture;
        },
        owner,
      );
    } catch (error) {
      if (error instanceof RenderQueueFull) return Promise.reject(busy(error.ownShare));
      throw error;
    }
  }

  private remember(key: string, picture: string): void {
    this.pictures.set(key, picture);
    if (this.pictures.size > SVG_CACHE_ENTRIES)
      this.pictures.delete(this.pictures.keys().next().value as string);
  }
}

function busy(ownShare: boolean): DomainError {
  const why = ownShare
    ? `This key has ${SVG_MAX_WAITING_PER_KEY} SVG pictures waiting to be drawn already (each key may have ${SVG_MAX_WAITING_PER_KEY}).`
    : `The service is drawing other SVG pictures (one at a time, at most ${SVG_MAX_WAITING} waiting).`;
  return new DomainError(
    'TOPOLOGY_BUSY',
    `${why} Retry in ${RETRY_AFTER_SECONDS} s, or ask for format=json, dot or mermaid, which are not queued.`,
    {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      context: ownShare
        ? { waiting: SVG_MAX_WAITING_PER_KEY, perKey: true }
        : { waiting: SVG_MAX_WAITING, perKey: false },
    },
  );
}
