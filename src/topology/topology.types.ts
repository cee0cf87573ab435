// The topology graph (issue 13): what GET /api/v1/topology and GraphQL `topology` answer, and what
// the Mermaid, DOT and SVG renderers draw. Portals draw the JSON form themselves, so its field names
// and id forms are a public contract: add optional fields, never rename.

export type TopologyNodeKind = 'network' | 'container';

export interface TopologyNode {
  // Stable for the life of the engine object: `network:<full engine id>` / `container:<full engine id>`.
  id: string;
  kind: TopologyNodeKind;
  name: string;
  // Networks: the driver (bridge, host, null, overlay, macvlan, ipvlan, ...).
  driver?: string;
  // Containers: the engine's state word (created, running, paused, restarting, exited, dead, removing).
  state?: string;
  // Containers: the image reference they run.
  image?: string;
  // Networks: the IPAM subnets (IPv4 and IPv6), in the engine's order.
  subnets?: string[];
  // Networks: internal (no route out), attachable, built in (bridge/host/none: Docker's own).
  internal?: boolean;
  builtIn?: boolean;
  // The template that made it (label io.switchyard.template), when one did.
  template?: string;
  // The engine object's labels (after the key's scope: a scoped key only sees what it may read).
  labels?: Record<string, string>;
}

// One endpoint: a container attached to a network. `from` is the container node's id, `to` the
// network node's id. Addresses are null where the engine has none (a stopped container, no IPv6).
export interface TopologyEdge {
  // `<container node id>|<network node id>`: one endpoint per container and network.
  id: string;
  from: string;
  to: string;
  ipv4Address: string | null;
  ipv6Address: string | null;
  macAddress: string | null;
  aliases: string[];
}

// With `template=`: each of the template's expectations with its result in the template's last
// deployment that checked expectations (null fields when never checked). `from`/`to` are container
// node ids when the container is in the graph, else null (the names are always there).
export interface TopologyExpectation {
  fromName: string;
  toName: string;
  from: string | null;
  to: string | null;
  reachable: boolean;
  // null: not checked yet (no deployment ran it).
  passed: boolean | null;
  diagnosis: { code: string; message: string } | null;
  deploymentId: string | null;
  checkedAt: string | null;
}

// The engine's id, name and version are about the whole engine: unscoped keys see them, a key
// with a label scope gets null for each (as /health/ready hides the engine's details from it).
export interface TopologyEngine {
  id: string | null;
  name: string | null;
  version: string | null;
}

export interface TopologyGraph {
  engine: TopologyEngine;
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  // Present (possibly empty) only when the request named a template.
  expectations?: TopologyExpectation[];
  template?: string;
  // When the graph was read (ISO 8601).
  generatedAt: string;
}

export type TopologyFormat = 'json' | 'mermaid' | 'dot' | 'svg';
export const TOPOLOGY_FORMATS: readonly TopologyFormat[] = ['json', 'mermaid', 'dot', 'svg'];

export const TOPOLOGY_CONTENT_TYPES: Record<TopologyFormat, string> = {
  json: 'application/json; charset=utf-8',
  mermaid: 'text/vnd.mermaid; charset=utf-8',
  dot: 'text/vnd.graphviz; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
};

export interface TopologyFilter {
  // Network references (name, id, id prefix): the networks themselves and the containers on them.
  network?: string[];
  // key or key=value: networks and containers carrying the label.
  label?: string[];
  // Template name: its networks and containers, and its expectations as overlays.
  template?: string;
  // Engine id, id prefix or name: the service manages one engine; another is refused.
  engine?: string;
}

// Positioned layout (the SVG renderer's and its tests'): every box in SVG user units, origin top left.
export interface LaidOutBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutNode extends LaidOutBox {
  id: string;
  // The text box of the node's label (inside or beside the shape).
  label: LaidOutBox;
}

export interface LaidOutEdge {
  id: string;
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
  // The address label's text box; null when the edge carries no label.
  label: LaidOutBox | null;
}

export interface TopologyLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}
