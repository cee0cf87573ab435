import type { TopologyGraph } from '../topology.types';

// Mermaid flowchart source for the graph (renders in any Mermaid 10+ viewer).
export function renderMermaid(graph: TopologyGraph): string {
  void graph;
  throw new Error('renderMermaid: not built yet (topology-api workstream)');
}

// Graphviz DOT source for the graph (`dot -Tsvg` draws it).
export function renderDot(graph: TopologyGraph): string {
  void graph;
  throw new Error('renderDot: not built yet (topology-api workstream)');
}
