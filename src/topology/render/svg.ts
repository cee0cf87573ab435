import type { TopologyGraph, TopologyLayout } from '../topology.types';

export interface SvgOptions {
  // 'auto' follows the reader's colour scheme (prefers-color-scheme) with CSS in the SVG.
  theme?: 'light' | 'dark' | 'auto';
}

// Lays the graph out (networks and containers as boxes, an edge per endpoint with its address
// label) with no two label boxes overlapping. Pure: the same graph gives the same layout.
export function layoutTopology(graph: TopologyGraph): TopologyLayout {
  void graph;
  throw new Error('layoutTopology: not built yet (topology-svg workstream)');
}

// The graph as a standalone SVG document (no external fonts, images or scripts).
// Contract for the /ui page: every node is `<g class="node node-<kind>" data-id="<node id>" ...>`,
// every edge `<g class="edge" data-id="<edge id>" data-from=".." data-to="..">`.
export function renderSvg(graph: TopologyGraph, options: SvgOptions = {}): string {
  void graph;
  void options;
  throw new Error('renderSvg: not built yet (topology-svg workstream)');
}
