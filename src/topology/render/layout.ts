// The topology's layout for the SVG: dagre places networks and containers left to right, with
// every endpoint's address label as a dagre edge label so that dagre keeps room for it; then
// `labelOverlaps` checks the result and a post-pass slides any label that still collides along its
// own edge. Pure and deterministic: nodes (by name) and edges (by id) are sorted before dagre sees them.
//
// Why this shape: containers far outnumber networks, so they go in columns and the networks in a
// column between them: containers left of the networks and right of them, balanced, so that 50
// containers make two columns of 25 rather than one of 50 (or a row 8,000 units wide top to
// bottom). A container on several networks sits in one column with an edge to each. Containers
// that a template's expectation links stay on the same side, so that the expectation's arc does
// not have to cross the network column.
import dagreModule from '@dagrejs/dagre';
import type {
  LaidOutBox,
  LaidOutEdge,
  LaidOutNode,
  TopologyEdge,
  TopologyExpectation,
  TopologyGraph,
  TopologyLayout,
  TopologyNode,
} from '../topology.types';
import { edgeContent, nodeContent, NETWORK_RADIUS, type EdgeContent, type NodeContent } from './svg-content';

// The part of dagre used here, typed. dagre 3's declarations import their own files without
// extensions, which TypeScript's nodenext resolution cannot follow from an ES module: the package
// types as `any`. These are its documented shapes (graphlib Graph, layout).
interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(make: () => Record<string, unknown>): void;
  setNode(id: string, label: { width: number; height: number }): void;
  hasNode(id: string): boolean;
  setEdge(v: string, w: string, label: Record<string, unknown>): void;
  node(id: string): { x: number; y: number };
  edge(v: string, w: string): { x?: number; y?: number };
  graph(): { width?: number; height?: number };
}
interface Dagre {
  graphlib: { Graph: new () => DagreGraph };
  layout(graph: DagreGraph): void;
}
const dagre = dagreModule as unknown as Dagre;

// An expectation overlay: an arc between two containers of one column, bulging outwards in its own
// lane, with its pass/fail mark at the arc's apex.
export interface LaidOutExpectation {
  // Index in graph.expectations.
  index: number;
  from: string;
  to: string;
  side: 'left' | 'right';
  // Cubic curve: start, two control points, end.
  path: { start: Point; c1: Point; c2: Point; end: Point };
  // The mark's box (centred on the apex).
  label: LaidOutBox;
}

interface Point {
  x: number;
  y: number;
}

// The SVG's layout: the contract's layout plus the expectation overlays (an addition of this
// renderer; TopologyLayout itself is unchanged).
export interface SvgLayout extends TopologyLayout {
  expectations: LaidOutExpectation[];
}

// What the renderer needs besides the boxes: the text of every node and edge label.
export interface LayoutWithContent {
  layout: SvgLayout;
  nodes: Map<string, NodeContent>;
  edges: Map<string, EdgeContent>;
}

export type LabelRef =
  | { kind: 'node-label'; id: string }
  | { kind: 'edge-label'; id: string }
  | { kind: 'node-shape'; id: string }
  | { kind: 'expectation-label'; id: string };

export interface LabelOverlap {
  a: LabelRef;
  b: LabelRef;
}

const RANKSEP = 96; // dagre halves it around the edge-label rank: 48 either side of a label
const NODESEP = 14;
const EDGESEP = 8;
const MARGIN = 16;
// Expectation lanes: the first lane's apex is this far out from the column, then one lane per step.
const LANE_FIRST = 26;
const LANE_STEP = 24;
export const MARK_SIZE = 16;
// The hidden node every network hangs from, so that all networks share one rank (the middle column)
// even when none of their containers is on the left. Node ids all start with `network:` or
// `container:`, so this cannot collide.
const ANCHOR = '#anchor';

type Side = 'left' | 'right';

// Code-unit order: the same on every machine, whatever its locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byId<T extends { id: string }>(a: T, b: T): number {
  return compare(a.id, b.id);
}

// Union-find of the containers that expectations link (both ends in the graph).
function expectationGroups(containers: TopologyNode[], expectations: TopologyExpectation[]): string[][] {
  const parent = new Map(containers.map((c) => [c.id, c.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(id, root);
    return root;
  };
  for (const e of expectations) {
    if (!e.from || !e.to || !parent.has(e.from) || !parent.has(e.to)) continue;
    const [a, b] = [find(e.from), find(e.to)].sort();
    parent.set(b, a);
  }
  const groups = new Map<string, string[]>();
  for (const c of containers) {
    const root = find(c.id);
    groups.set(root, [...(groups.get(root) ?? []), c.id]);
  }
  return [...groups.values()];
}

// Largest groups first, then by name (containerA before containerB), each to the lighter side so
// far (left on a tie). A container weighs its box plus its address labels (a label row is about
// half a box row), so that both sides' columns come out about as tall.
function assignSides(
  containers: TopologyNode[],
  edges: TopologyEdge[],
  expectations: TopologyExpectation[],
): Map<string, Side> {
  const names = new Map(containers.map((c) => [c.id, c.name]));
  const endpoints = new Map<string, number>();
  for (const e of edges) endpoints.set(e.from, (endpoints.get(e.from) ?? 0) + 1);
  const key = (group: string[]) => `${names.get(group[0])}\u0000${group[0]}`;
  const groups = expectationGroups(containers, expectations)
    .map((group) => group.sort((a, b) => compare(key([a]), key([b]))))
    .sort((a, b) => b.length - a.length || compare(key(a), key(b)));
  const sides = new Map<string, Side>();
  const load = { left: 0, right: 0 };
  for (const group of groups) {
    const side: Side = load.left <= load.right ? 'left' : 'right';
    for (const id of group) {
      load[side] += 2 + (endpoints.get(id) ?? 0);
      sides.set(id, side);
    }
  }
  return sides;
}

function box(x: number, y: number, width: number, height: number): LaidOutBox {
  return { x, y, width, height };
}

interface DagreResult {
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

function runDagre(
  nodes: TopologyNode[],
  edges: TopologyEdge[],
  sides: Map<string, Side>,
  content: Map<string, NodeContent>,
  edgeTexts: Map<string, EdgeContent>,
): DagreResult {
  const g = new dagre.graphlib.Graph();
  g.setGraph({
    rankdir: 'LR',
    ranksep: RANKSEP,
    nodesep: NODESEP,
    edgesep: EDGESEP,
    marginx: MARGIN,
    marginy: MARGIN,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const networks = nodes.filter((n) => n.kind === 'network');
  if (networks.length > 0 && nodes.length > networks.length) g.setNode(ANCHOR, { width: 0, height: 0 });
  for (const node of nodes) {
    const c = content.get(node.id) as NodeContent;
    g.setNode(node.id, { width: c.width, height: c.height });
  }
  if (g.hasNode(ANCHOR)) {
    for (const n of networks) g.setEdge(ANCHOR, n.id, { width: 0, height: 0, minlen: 1, weight: 1 });
    // A right-side container with no endpoint still belongs in the right column (its expectation
    // arcs are drawn on that side).
    const attached = new Set(edges.map((e) => e.from));
    for (const n of nodes) {
      if (n.kind === 'container' && sides.get(n.id) === 'right' && !attached.has(n.id)) {
        g.setEdge(ANCHOR, n.id, { width: 0, height: 0, minlen: 2, weight: 1 });
      }
    }
  }
  for (const edge of edges) {
    const label = edgeTexts.get(edge.id) as EdgeContent;
    const config = { width: label.width, height: label.height, labelpos: 'c' as const, minlen: 1, weight: 2 };
    // Left containers point at their networks, networks at their right containers: LR order.
    if (sides.get(edge.from) === 'right') g.setEdge(edge.to, edge.from, config);
    else g.setEdge(edge.from, edge.to, config);
  }
  dagre.layout(g);

  const laidNodes = nodes.map((node): LaidOutNode => {
    const d = g.node(node.id);
    const c = content.get(node.id) as NodeContent;
    const x = d.x - c.width / 2;
    const y = d.y - c.height / 2;
    return {
      id: node.id,
      ...box(x, y, c.width, c.height),
      label: box(x + c.label.dx, y + c.label.dy, c.label.width, c.label.height),
    };
  });
  const laidEdges = edges.map((edge): LaidOutEdge => {
    const right = sides.get(edge.from) === 'right';
    const d = right ? g.edge(edge.to, edge.from) : g.edge(edge.from, edge.to);
    const label = edgeTexts.get(edge.id) as EdgeContent;
    return {
      id: edge.id,
      from: edge.from,
      to: edge.to,
      points: [],
      label: box(
        (d.x as number) - label.width / 2,
        (d.y as number) - label.height / 2,
        label.width,
        label.height,
      ),
    };
  });
  const graph = g.graph();
  return { nodes: laidNodes, edges: laidEdges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

// Where an edge meets a network bar at height y: on its flat side, or on the round end's arc.
function barEdgeX(n: LaidOutNode, y: number, side: Side): number {
  const r = Math.min(NETWORK_RADIUS, n.height / 2);
  const cy = y < n.y + r ? n.y + r : y > n.y + n.height - r ? n.y + n.height - r : y;
  const inset = r - Math.sqrt(Math.max(0, r * r - (y - cy) * (y - cy)));
  return side === 'left' ? n.x + inset : n.x + n.width - inset;
}

// Routes every endpoint through the columns instead of along dagre's straight segments (which cut
// through neighbouring boxes when a label sits far below its container): level out of the
// container to its column's edge, an S-curve to the label column, level through the label, an
// S-curve to the network column, level into the network at its own attachment height. The
// attachments of one network and side are spread over its height in the order of their labels, so
// the edges do not meet in one point. Points run container to network.
function routeEdges(nodes: LaidOutNode[], edges: LaidOutEdge[], sides: Map<string, Side>): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const sideOf = (e: LaidOutEdge): Side => sides.get(e.from) ?? 'left';
  const extent = (boxes: LaidOutBox[]) => ({
    lo: Math.min(...boxes.map((b) => b.x)),
    hi: Math.max(...boxes.map((b) => b.x + b.width)),
  });
  const networks = extent(nodes.filter((n) => !sides.has(n.id)));
  const attach = new Map<string, number>();
  for (const side of ['left', 'right'] as const) {
    const list = edges.filter((e) => sideOf(e) === side && e.label);
    if (list.length === 0) continue;
    const containers = extent(list.map((e) => byId.get(e.from) as LaidOutNode));
    const labels = extent(list.map((e) => e.label as LaidOutBox));
    // Attachment heights per network, in label order.
    const perNetwork = new Map<string, LaidOutEdge[]>();
    for (const e of list) perNetwork.set(e.to, [...(perNetwork.get(e.to) ?? []), e]);
    for (const [id, group] of perNetwork) {
      const n = byId.get(id) as LaidOutNode;
      group.sort((a, b) => (a.label as LaidOutBox).y - (b.label as LaidOutBox).y || compare(a.id, b.id));
      const pad = 8;
      group.forEach((e, k) =>
        attach.set(e.id, n.y + pad + ((n.height - 2 * pad) * (k + 1)) / (group.length + 1)),
      );
    }
    for (const e of list) {
      const c = byId.get(e.from) as LaidOutNode;
      const n = byId.get(e.to) as LaidOutNode;
      const label = e.label as LaidOutBox;
      const cy = c.y + c.height / 2;
      const ly = label.y + label.height / 2;
      const ny = attach.get(e.id) as number;
      e.points =
        side === 'left'
          ? [
              { x: c.x + c.width, y: cy },
              { x: containers.hi, y: cy },
              { x: labels.lo, y: ly },
              { x: labels.hi, y: ly },
              { x: networks.lo, y: ny },
              { x: barEdgeX(n, ny, 'left'), y: ny },
            ]
          : [
              { x: c.x, y: cy },
              { x: containers.lo, y: cy },
              { x: labels.hi, y: ly },
              { x: labels.lo, y: ly },
              { x: networks.hi, y: ny },
              { x: barEdgeX(n, ny, 'right'), y: ny },
            ];
      // Drop zero-length runs (a container as wide as its column).
      e.points = e.points.filter((p, i, all) => i === 0 || p.x !== all[i - 1].x || p.y !== all[i - 1].y);
    }
  }
}

// Lanes per side: an expectation takes the first lane where its span (with its ends) meets no other
// span already there, so marks of one lane never collide and arcs of one lane never cross.
function assignLanes(spans: Array<{ lo: number; hi: number }>): number[] {
  const order = spans
    .map((_, i) => i)
    .sort((a, b) => spans[a].lo - spans[b].lo || spans[a].hi - spans[b].hi || a - b);
  const lanes: Array<Array<{ lo: number; hi: number }>> = [];
  const result: number[] = new Array<number>(spans.length).fill(0);
  for (const i of order) {
    const s = spans[i];
    let lane = lanes.findIndex((taken) => taken.every((t) => s.hi < t.lo || s.lo > t.hi));
    if (lane < 0) {
      lane = lanes.length;
      lanes.push([]);
    }
    lanes[lane].push(s);
    result[i] = lane;
  }
  return result;
}

interface PendingExpectation {
  index: number;
  from: LaidOutNode;
  to: LaidOutNode;
  side: Side;
}

function layoutExpectations(pending: PendingExpectation[], nodes: LaidOutNode[], sides: Map<string, Side>) {
  const bySide = { left: [] as PendingExpectation[], right: [] as PendingExpectation[] };
  for (const p of pending) bySide[p.side].push(p);
  const laneCount = { left: 0, right: 0 };
  const out: Array<{ p: PendingExpectation; lane: number }> = [];
  for (const side of ['left', 'right'] as const) {
    const list = bySide[side];
    const cy = (n: LaidOutNode) => n.y + n.height / 2;
    const lanes = assignLanes(
      list.map((p) => ({ lo: Math.min(cy(p.from), cy(p.to)), hi: Math.max(cy(p.from), cy(p.to)) })),
    );
    list.forEach((p, i) => out.push({ p, lane: lanes[i] }));
    laneCount[side] = list.length ? Math.max(...lanes) + 1 : 0;
  }
  // The columns' outer edges, from the containers on each side.
  const column = (side: Side) => {
    const boxes = nodes.filter((n) => sides.get(n.id) === side);
    return side === 'left'
      ? Math.min(...boxes.map((n) => n.x))
      : Math.max(...boxes.map((n) => n.x + n.width));
  };
  const outer = { left: laneCount.left ? column('left') : 0, right: laneCount.right ? column('right') : 0 };
  const expectations = out.map(({ p, lane }): LaidOutExpectation => {
    const sign = p.side === 'left' ? -1 : 1;
    const apexX = outer[p.side] + sign * (LANE_FIRST + lane * LANE_STEP);
    const endX = (n: LaidOutNode) => (p.side === 'left' ? n.x : n.x + n.width);
    const start = { x: endX(p.from), y: p.from.y + p.from.height / 2 };
    const end = { x: endX(p.to), y: p.to.y + p.to.height / 2 };
    // A symmetric cubic reaches 3/4 of its control points' offset at t = 1/2: put the apex there.
    const controlX = (apexX - (start.x + end.x) / 8) / 0.75;
    const apexY = (start.y + end.y) / 2;
    return {
      index: p.index,
      from: p.from.id,
      to: p.to.id,
      side: p.side,
      path: { start, c1: { x: controlX, y: start.y }, c2: { x: controlX, y: end.y }, end },
      label: box(apexX - MARK_SIZE / 2, apexY - MARK_SIZE / 2, MARK_SIZE, MARK_SIZE),
    };
  });
  const margin = (side: Side) =>
    laneCount[side] ? LANE_FIRST + (laneCount[side] - 1) * LANE_STEP + MARK_SIZE : 0;
  return {
    expectations: expectations.sort((a, b) => a.index - b.index),
    margin: { left: margin('left'), right: margin('right') },
  };
}

function shift(layout: SvgLayout, dx: number): void {
  const move = (b: LaidOutBox | null) => {
    if (b) b.x += dx;
  };
  for (const n of layout.nodes) {
    move(n);
    move(n.label);
  }
  for (const e of layout.edges) {
    move(e.label);
    for (const p of e.points) p.x += dx;
  }
  for (const x of layout.expectations) {
    move(x.label);
    for (const p of Object.values(x.path)) p.x += dx;
  }
}

export function layoutWithContent(graph: TopologyGraph): LayoutWithContent {
  // By name (then id): the same names keep their places from one drawing to the next, whatever
  // ids the engine gave them.
  const nodes = [...graph.nodes].sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  const present = new Set(nodes.map((n) => n.id));
  // Endpoints whose container and network are both in the graph (a filter can drop either).
  const edges = [...graph.edges].sort(byId).filter((e) => present.has(e.from) && present.has(e.to));
  const edgeTexts = new Map(edges.map((e) => [e.id, edgeContent(e)]));
  const containers = nodes.filter((n) => n.kind === 'container');
  const expectations = graph.expectations ?? [];
  const sides = assignSides(containers, edges, expectations);
  // A network's endpoints per side: its bar grows with the larger count.
  const perSide = new Map<string, number>();
  for (const e of edges) {
    const key = `${sides.get(e.from)}|${e.to}`;
    perSide.set(key, (perSide.get(key) ?? 0) + 1);
  }
  const attachments = (id: string) =>
    Math.max(perSide.get(`left|${id}`) ?? 0, perSide.get(`right|${id}`) ?? 0);
  const content = new Map(nodes.map((n) => [n.id, nodeContent(n, attachments(n.id))]));

  const laid = runDagre(nodes, edges, sides, content, edgeTexts);
  routeEdges(laid.nodes, laid.edges, sides);
  const byNode = new Map(laid.nodes.map((n) => [n.id, n]));
  const pending: PendingExpectation[] = [];
  expectations.forEach((e, index) => {
    const from = e.from ? byNode.get(e.from) : undefined;
    const to = e.to ? byNode.get(e.to) : undefined;
    // Drawn when both containers are in the picture and are two containers (a self-check has no arc).
    if (!from || !to || from === to || !sides.has(from.id) || !sides.has(to.id)) return;
    pending.push({ index, from, to, side: sides.get(from.id) as Side });
  });
  const overlays = layoutExpectations(pending, laid.nodes, sides);
  const layout: SvgLayout = {
    width: laid.width + overlays.margin.left + overlays.margin.right,
    height: laid.height,
    nodes: laid.nodes,
    edges: laid.edges,
    expectations: overlays.expectations,
  };
  shift(layout, overlays.margin.left);
  separateLabels(layout);
  roundLayout(layout);
  return { layout, nodes: content, edges: edgeTexts };
}

// Lays the graph out; see the file's comment. The result's boxes are what the SVG draws.
export function layoutTopology(graph: TopologyGraph): SvgLayout {
  return layoutWithContent(graph).layout;
}

// ---- overlap check and repair ----

interface Tagged {
  ref: LabelRef;
  box: LaidOutBox;
  // The node a label belongs to: its own shape does not count as an overlap.
  owner?: string;
}

// Boxes touching at an edge do not overlap; a sliver under this is the rounding to a tenth of a unit.
const EPSILON = 0.2;

function intersects(a: LaidOutBox, b: LaidOutBox): boolean {
  return (
    a.x < b.x + b.width - EPSILON &&
    b.x < a.x + a.width - EPSILON &&
    a.y < b.y + b.height - EPSILON &&
    b.y < a.y + a.height - EPSILON
  );
}

function labelBoxes(layout: TopologyLayout & { expectations?: LaidOutExpectation[] }): Tagged[] {
  const labels: Tagged[] = [];
  for (const n of layout.nodes)
    labels.push({ ref: { kind: 'node-label', id: n.id }, box: n.label, owner: n.id });
  for (const e of layout.edges)
    if (e.label) labels.push({ ref: { kind: 'edge-label', id: e.id }, box: e.label });
  for (const x of layout.expectations ?? []) {
    labels.push({ ref: { kind: 'expectation-label', id: String(x.index) }, box: x.label });
  }
  return labels;
}

// Every pair of overlapping label boxes: node labels, edge (address) labels and expectation marks
// against each other, and each of them against every node's shape but its own. Empty means the
// picture has no label drawn over another label or over a node.
export function labelOverlaps(
  layout: TopologyLayout & { expectations?: LaidOutExpectation[] },
): LabelOverlap[] {
  const labels = labelBoxes(layout);
  const shapes: Tagged[] = layout.nodes.map((n) => ({
    ref: { kind: 'node-shape', id: n.id },
    box: n,
    owner: n.id,
  }));
  const overlaps: LabelOverlap[] = [];
  // Sweep on x: sorted by left edge, a box only meets those that start before it ends.
  const all = [...labels, ...shapes].sort((a, b) => a.box.x - b.box.x);
  for (let i = 0; i < all.length; i++) {
    const a = all[i];
    for (let j = i + 1; j < all.length && all[j].box.x < a.box.x + a.box.width - EPSILON; j++) {
      const b = all[j];
      if (a.ref.kind === 'node-shape' && b.ref.kind === 'node-shape') continue;
      if (a.owner !== undefined && a.owner === b.owner) continue;
      if (intersects(a.box, b.box)) overlaps.push({ a: a.ref, b: b.ref });
    }
  }
  return overlaps;
}

// A point at fraction t of a polyline's length.
function along(points: Point[], t: number): Point {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let remaining = t * lengths.reduce((a, b) => a + b, 0);
  for (let i = 0; i < lengths.length; i++) {
    if (remaining <= lengths[i] || i === lengths.length - 1) {
      const f = lengths[i] === 0 ? 0 : Math.min(1, remaining / lengths[i]);
      return {
        x: points[i].x + f * (points[i + 1].x - points[i].x),
        y: points[i].y + f * (points[i + 1].y - points[i].y),
      };
    }
    remaining -= lengths[i];
  }
  return points[0];
}

// Positions tried for a colliding label, as fractions of its edge from the container's end.
const SLIDE = [0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.45, 0.55, 0.2, 0.8];
const REPAIR_ROUNDS = 8;

// Dagre gives every edge label its own slot, but labels of parallel and crossing edges can still
// meet: each edge label that overlaps something slides along its own edge to the first place where
// it overlaps nothing. Bounded: a few rounds over the current overlaps. Exported for its test.
export function separateLabels(layout: SvgLayout): void {
  for (let round = 0; round < REPAIR_ROUNDS; round++) {
    const overlaps = labelOverlaps(layout);
    if (overlaps.length === 0) return;
    const edgeIds = new Set<string>();
    for (const o of overlaps) for (const r of [o.a, o.b]) if (r.kind === 'edge-label') edgeIds.add(r.id);
    if (edgeIds.size === 0) return;
    for (const edge of layout.edges) {
      if (!edgeIds.has(edge.id) || !edge.label || edge.points.length < 2) continue;
      slide(layout, edge, edge.label);
    }
  }
}

function slide(layout: SvgLayout, edge: LaidOutEdge, label: LaidOutBox): void {
  const others = [
    ...labelBoxes(layout)
      .filter((t) => !(t.ref.kind === 'edge-label' && t.ref.id === edge.id))
      .map((t) => t.box),
    ...layout.nodes,
  ];
  for (const t of SLIDE) {
    const p = along(edge.points, t);
    const candidate = box(p.x - label.width / 2, p.y - label.height / 2, label.width, label.height);
    if (!others.some((o) => intersects(candidate, o))) {
      label.x = candidate.x;
      label.y = candidate.y;
      return;
    }
  }
}

// Coordinates to a tenth of a unit: stable bytes across platforms, no float noise in the SVG.
const round = (v: number) => Math.round(v * 10) / 10;

function roundBox(b: LaidOutBox): void {
  b.x = round(b.x);
  b.y = round(b.y);
  b.width = round(b.width);
  b.height = round(b.height);
}

function roundLayout(layout: SvgLayout): void {
  layout.width = Math.ceil(layout.width);
  layout.height = Math.ceil(layout.height);
  for (const n of layout.nodes) {
    roundBox(n);
    roundBox(n.label);
  }
  for (const e of layout.edges) {
    if (e.label) roundBox(e.label);
    for (const p of e.points) Object.assign(p, { x: round(p.x), y: round(p.y) });
  }
  for (const x of layout.expectations) {
    roundBox(x.label);
    for (const p of Object.values(x.path)) Object.assign(p, { x: round(p.x), y: round(p.y) });
  }
}
