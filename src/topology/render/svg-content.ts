// What each node and edge of the topology SVG says, and so how big its box is. The layout sizes
// dagre's nodes and edge labels from this, and the renderer writes exactly these strings, so the
// boxes the layout checks for overlaps are the boxes the reader sees.
import type { TopologyEdge, TopologyNode } from '../topology.types';
import { textWidth, truncate } from './svg-text';

export const NAME_SIZE = 13;
export const DETAIL_SIZE = 11;
export const TAG_SIZE = 10;
export const EDGE_SIZE = 11;
export const LINE_HEIGHT = 1.3;

// Columns kept of long strings before the ellipsis (the whole string is in the <title>).
const NAME_COLUMNS = 32;
const IMAGE_COLUMNS = 26;
const SUBNET_COLUMNS = 36;
const TAG_COLUMNS = 12;

const CONTAINER_PAD_X = 10;
const CONTAINER_PAD_Y = 6;
const CONTAINER_MIN_WIDTH = 120;
// The state icon and the gap after it, before the state word.
export const STATE_ICON = 9;
export const STATE_ICON_GAP = 5;
const NETWORK_HEIGHT = 46;
// Networks are bars with round ends of this radius; a network with many endpoints on one side grows
// taller (a bus), so that its edges arrive apart.
export const NETWORK_RADIUS = 23;
const NETWORK_PAD_Y = 6;
const ATTACHMENT_STEP = 10;
export const TAG_PAD_X = 4;
export const TAG_GAP = 5;
export const EDGE_LABEL_PAD_X = 4;
export const EDGE_LABEL_PAD_Y = 1;

export type ContainerStateClass = 'running' | 'stopped' | 'other';

export interface TagContent {
  text: string;
  kind: 'driver' | 'internal' | 'builtin';
  width: number;
}

export interface NodeContent {
  node: TopologyNode;
  width: number;
  height: number;
  // The label's text block, relative to the node's top left corner.
  label: { dx: number; dy: number; width: number; height: number };
  name: string;
  // Containers: the state line.
  state?: { word: string; cls: ContainerStateClass; image: string };
  // Networks: the tags line (driver, internal, built in) and the subnets after them.
  tags?: TagContent[];
  subnets?: string;
}

export interface EdgeContent {
  edge: TopologyEdge;
  lines: string[];
  // Whether the first line says there is no address (drawn muted).
  noAddress: boolean;
  width: number;
  height: number;
}

const lineHeight = (size: number) => Math.ceil(size * LINE_HEIGHT);

// Running is running; created, exited and dead containers do not run; paused, restarting and
// removing are in between. The state word is always written next to the colour.
export function stateClass(state: string | undefined): ContainerStateClass {
  if (state === 'running') return 'running';
  if (state === 'created' || state === 'exited' || state === 'dead') return 'stopped';
  return 'other';
}

function containerContent(node: TopologyNode): NodeContent {
  const name = truncate(node.name, NAME_COLUMNS);
  const word = node.state ?? 'unknown';
  const image = node.image ? truncate(node.image, IMAGE_COLUMNS) : '';
  const stateText = image ? `${word}  ${image}` : word;
  const textW = Math.max(
    textWidth(name, NAME_SIZE),
    STATE_ICON + STATE_ICON_GAP + textWidth(stateText, DETAIL_SIZE),
  );
  const textH = lineHeight(NAME_SIZE) + lineHeight(DETAIL_SIZE);
  const width = Math.ceil(Math.max(CONTAINER_MIN_WIDTH, textW + 2 * CONTAINER_PAD_X));
  const height = textH + 2 * CONTAINER_PAD_Y;
  return {
    node,
    width,
    height,
    label: { dx: CONTAINER_PAD_X, dy: CONTAINER_PAD_Y, width: textW, height: textH },
    name,
    state: { word, cls: stateClass(node.state), image },
  };
}

function tag(text: string, kind: TagContent['kind']): TagContent {
  const shown = truncate(text, TAG_COLUMNS);
  return { text: shown, kind, width: textWidth(shown, TAG_SIZE) + 2 * TAG_PAD_X };
}

function networkContent(node: TopologyNode, attachments: number): NodeContent {
  const name = truncate(node.name, NAME_COLUMNS);
  const tags = [tag(node.driver ?? 'unknown', 'driver')];
  if (node.internal) tags.push(tag('internal', 'internal'));
  if (node.builtIn) tags.push(tag('built-in', 'builtin'));
  const subnets = truncate((node.subnets ?? []).join(', '), SUBNET_COLUMNS);
  const tagsW = tags.reduce((sum, t) => sum + t.width + TAG_GAP, 0);
  const lineW = tagsW + (subnets ? textWidth(subnets, DETAIL_SIZE) : -TAG_GAP);
  const textW = Math.max(textWidth(name, NAME_SIZE), lineW);
  const textH = lineHeight(NAME_SIZE) + lineHeight(DETAIL_SIZE);
  const height = Math.max(
    NETWORK_HEIGHT,
    textH + 2 * NETWORK_PAD_Y,
    attachments * ATTACHMENT_STEP + 2 * NETWORK_PAD_Y,
  );
  // The text sits between the round ends.
  const padX = NETWORK_RADIUS;
  return {
    node,
    width: Math.ceil(textW + 2 * padX),
    height,
    label: { dx: padX, dy: (height - textH) / 2, width: textW, height: textH },
    name,
    tags,
    subnets,
  };
}

// `attachments`: for a network, the most endpoints it has on one side (left or right).
export function nodeContent(node: TopologyNode, attachments = 0): NodeContent {
  return node.kind === 'network' ? networkContent(node, attachments) : containerContent(node);
}

// The address label of an endpoint: its IPv4 address, its IPv6 address on a second line. A
// stopped container's endpoints have no address: the label says so.
export function edgeContent(edge: TopologyEdge): EdgeContent {
  const lines = [edge.ipv4Address, edge.ipv6Address]
    .filter((a): a is string => !!a)
    .map((a) => truncate(a, 43));
  const noAddress = lines.length === 0;
  if (noAddress) lines.push('no IP');
  const width = Math.ceil(Math.max(...lines.map((l) => textWidth(l, EDGE_SIZE))) + 2 * EDGE_LABEL_PAD_X);
  const height = lines.length * lineHeight(EDGE_SIZE) + 2 * EDGE_LABEL_PAD_Y;
  return { edge, lines, noAddress, width, height };
}

export function edgeLineHeight(): number {
  return lineHeight(EDGE_SIZE);
}

export function nodeLineHeights(): { name: number; detail: number } {
  return { name: lineHeight(NAME_SIZE), detail: lineHeight(DETAIL_SIZE) };
}
