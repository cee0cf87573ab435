// The topology as a standalone SVG document: laid out by ./layout (dagre), drawn here. No external
// fonts, images, scripts or links; all text escaped (names, aliases and labels are hostile input).
//
// Contract for the /ui page, which styles and scripts these elements:
// - every node `<g class="node node-<kind> ..." data-id="<node id>" data-kind data-name
//   [data-state (containers)] [data-driver (networks)] tabindex="0">`, its shape `.shape`;
// - every edge `<g class="edge" data-id="<edge id>" data-from="<container id>" data-to="<network id>">`;
// - every expectation overlay `<g class="expectation expectation-passed|expectation-failed|
//   expectation-unchecked" data-from data-to data-index>` (index in graph.expectations).
// Styles are scoped to the root's class `sy-topology`.
import type { TopologyEdge, TopologyExpectation, TopologyGraph, TopologyNode } from '../topology.types';
import {
  DETAIL_SIZE,
  EDGE_LABEL_PAD_Y,
  EDGE_SIZE,
  NAME_SIZE,
  NETWORK_RADIUS,
  STATE_ICON,
  STATE_ICON_GAP,
  TAG_GAP,
  TAG_PAD_X,
  TAG_SIZE,
  edgeLineHeight,
  nodeLineHeights,
  type EdgeContent,
  type NodeContent,
} from './svg-content';
import { layoutWithContent, MARK_SIZE, type LaidOutExpectation, type SvgLayout } from './layout';
import { SVG_THEMES, themeCss, type Theme } from './svg-theme';
import { FONT_FAMILY, textWidth, xmlAttr, xmlText } from './svg-text';

export { labelOverlaps, layoutTopology } from './layout';
export type { LabelOverlap, LabelRef, LaidOutExpectation, SvgLayout } from './layout';
export { SVG_THEMES, type Theme } from './svg-theme';

export interface SvgOptions {
  // 'auto' follows the reader's colour scheme (prefers-color-scheme) with CSS in the SVG.
  theme?: Theme;
}

const num = (v: number) => String(Math.round(v * 10) / 10);

// A text element whose drawn length is pinned to the computed width: whatever monospace font the
// reader has, the text fills exactly the box the layout reserved for it.
function text(x: number, y: number, content: string, size: number, cls: string, anchor = 'start'): string {
  const width = textWidth(content, size);
  const anchorAttr = anchor === 'start' ? '' : ` text-anchor="${anchor}"`;
  const length = width > 0 ? ` textLength="${num(width)}" lengthAdjust="spacingAndGlyphs"` : '';
  return `<text class="${cls}" x="${num(x)}" y="${num(y)}" font-size="${size}"${anchorAttr}${length}>${xmlText(content)}</text>`;
}

const title = (lines: string[]) => `<title>${xmlText(lines.join('\n'))}</title>`;

// Safe as a CSS class: lower case letters, digits, dashes.
const classWord = (word: string) => word.toLowerCase().replace(/[^a-z0-9-]/g, '-');

function stateIcon(cls: string, x: number, cy: number): string {
  const r = STATE_ICON / 2;
  if (cls === 'running')
    return `<circle class="state-icon" cx="${num(x + r)}" cy="${num(cy)}" r="${num(r)}"/>`;
  if (cls === 'stopped') {
    return `<rect class="state-icon" x="${num(x + 0.5)}" y="${num(cy - r + 0.5)}" width="${num(STATE_ICON - 1)}" height="${num(STATE_ICON - 1)}"/>`;
  }
  // In between (paused, restarting, ...): a triangle.
  return `<path class="state-icon" d="M${num(x)} ${num(cy + r)}L${num(x + r)} ${num(cy - r)}L${num(x + STATE_ICON)} ${num(cy + r)}Z"/>`;
}

function containerBody(c: NodeContent, x: number, y: number): string {
  const lh = nodeLineHeights();
  const lx = x + c.label.dx;
  const ly = y + c.label.dy;
  const state = c.state as NonNullable<NodeContent['state']>;
  const detailY = ly + lh.name + lh.detail / 2;
  const stateX = lx + STATE_ICON + STATE_ICON_GAP;
  const word = text(stateX, detailY, state.word, DETAIL_SIZE, 'state-word');
  const image = state.image
    ? text(
        stateX + textWidth(`${state.word}  `, DETAIL_SIZE),
        detailY,
        state.image,
        DETAIL_SIZE,
        'image muted',
      )
    : '';
  return (
    `<rect class="shape" x="${num(x)}" y="${num(y)}" width="${num(c.width)}" height="${num(c.height)}" rx="5"/>` +
    text(lx, ly + lh.name / 2, c.name, NAME_SIZE, 'name') +
    stateIcon(state.cls, lx, detailY) +
    word +
    image
  );
}

function networkBody(c: NodeContent, x: number, y: number): string {
  const lh = nodeLineHeights();
  const lx = x + c.label.dx;
  const ly = y + c.label.dy;
  const tagY = ly + lh.name + lh.detail / 2;
  let tx = lx;
  const tags = (c.tags ?? []).map((t) => {
    const h = TAG_SIZE + 4;
    const g =
      `<g class="tag tag-${t.kind}"><rect x="${num(tx)}" y="${num(tagY - h / 2)}" width="${num(t.width)}" height="${h}" rx="3"/>` +
      `${text(tx + TAG_PAD_X, tagY, t.text, TAG_SIZE, 'tag-text')}</g>`;
    tx += t.width + TAG_GAP;
    return g;
  });
  const subnets = c.subnets ? text(tx, tagY, c.subnets, DETAIL_SIZE, 'subnets muted') : '';
  return (
    `<rect class="shape" x="${num(x)}" y="${num(y)}" width="${num(c.width)}" height="${num(c.height)}" rx="${NETWORK_RADIUS}"/>` +
    text(lx, ly + lh.name / 2, c.name, NAME_SIZE, 'name') +
    tags.join('') +
    subnets
  );
}

function nodeTitle(n: TopologyNode): string[] {
  const lines = [`${n.kind} ${n.name}`];
  if (n.kind === 'container') {
    lines.push(`state: ${n.state ?? 'unknown'}`);
    if (n.image) lines.push(`image: ${n.image}`);
  } else {
    lines.push(`driver: ${n.driver ?? 'unknown'}`);
    if (n.subnets?.length) lines.push(`subnets: ${n.subnets.join(', ')}`);
    const flags = [n.internal ? 'internal' : '', n.builtIn ? 'built in' : ''].filter(Boolean);
    if (flags.length) lines.push(flags.join(', '));
  }
  if (n.template) lines.push(`template: ${n.template}`);
  lines.push(`id: ${n.id.slice(n.id.indexOf(':') + 1)}`);
  return lines;
}

function renderNode(c: NodeContent, x: number, y: number): string {
  const n = c.node;
  const classes = ['node', `node-${n.kind}`];
  let data = `data-id="${xmlAttr(n.id)}" data-kind="${n.kind}" data-name="${xmlAttr(n.name)}"`;
  if (n.kind === 'container') {
    classes.push(`state-${c.state?.cls ?? 'other'}`);
    data += ` data-state="${xmlAttr(n.state ?? 'unknown')}"`;
  } else {
    classes.push(`driver-${classWord(n.driver ?? 'unknown')}`);
    if (n.internal) classes.push('internal');
    if (n.builtIn) classes.push('builtin');
    data += ` data-driver="${xmlAttr(n.driver ?? 'unknown')}"`;
  }
  const body = n.kind === 'container' ? containerBody(c, x, y) : networkBody(c, x, y);
  return `<g class="${classes.join(' ')}" ${data} tabindex="0">${title(nodeTitle(n))}${body}</g>`;
}

// The routed edge (see layout.ts): straight runs where two points share a height, S-curves with
// level ends between the columns, so that no line cuts through a column of boxes.
function edgePath(points: Array<{ x: number; y: number }>): string {
  if (points.length < 2) return '';
  let d = `M${num(points[0].x)} ${num(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (Math.abs(a.y - b.y) < 0.5) d += `L${num(b.x)} ${num(b.y)}`;
    else {
      const mid = (a.x + b.x) / 2;
      d += `C${num(mid)} ${num(a.y)} ${num(mid)} ${num(b.y)} ${num(b.x)} ${num(b.y)}`;
    }
  }
  return d;
}

function edgeTitle(e: TopologyEdge, names: Map<string, string>): string[] {
  return [
    `${names.get(e.from) ?? e.from} on ${names.get(e.to) ?? e.to}`,
    `IPv4: ${e.ipv4Address ?? 'none'}`,
    `IPv6: ${e.ipv6Address ?? 'none'}`,
    `MAC: ${e.macAddress ?? 'none'}`,
    `aliases: ${e.aliases.length ? e.aliases.join(', ') : 'none'}`,
  ];
}

function renderEdge(laid: SvgLayout['edges'][number], c: EdgeContent, names: Map<string, string>): string {
  const e = c.edge;
  let label = '';
  if (laid.label) {
    const b = laid.label;
    const lh = edgeLineHeight();
    const lines = c.lines
      .map((line, i) =>
        text(
          b.x + b.width / 2,
          b.y + EDGE_LABEL_PAD_Y + lh * i + lh / 2,
          line,
          EDGE_SIZE,
          c.noAddress ? 'muted' : 'address',
          'middle',
        ),
      )
      .join('');
    label =
      `<g class="edge-label"><rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.width)}" height="${num(b.height)}" rx="3"/>` +
      `${lines}</g>`;
  }
  return (
    `<g class="edge" data-id="${xmlAttr(e.id)}" data-from="${xmlAttr(e.from)}" data-to="${xmlAttr(e.to)}">` +
    `${title(edgeTitle(e, names))}<path d="${edgePath(laid.points)}"/>${label}</g>`
  );
}

type Outcome = 'passed' | 'failed' | 'unchecked';

const outcome = (x: TopologyExpectation): Outcome =>
  x.passed === null ? 'unchecked' : x.passed ? 'passed' : 'failed';

function expectationTitle(x: TopologyExpectation): string[] {
  const lines = [`${x.fromName} \u2192 ${x.toName}: expected ${x.reachable ? 'to reach' : 'not to reach'}`];
  const o = outcome(x);
  lines.push(o === 'unchecked' ? 'not checked yet' : o);
  if (x.diagnosis) lines.push(`${x.diagnosis.code}: ${x.diagnosis.message}`);
  if (x.checkedAt) lines.push(`checked at ${x.checkedAt}`);
  if (x.deploymentId) lines.push(`deployment ${x.deploymentId}`);
  return lines;
}

function markGlyph(o: Outcome, cx: number, cy: number): string {
  const s = MARK_SIZE * 0.22;
  if (o === 'passed') {
    return `<path class="mark-glyph" d="M${num(cx - s)} ${num(cy)}L${num(cx - s / 3)} ${num(cy + s * 0.8)}L${num(cx + s)} ${num(cy - s * 0.8)}"/>`;
  }
  if (o === 'failed') {
    return `<path class="mark-glyph" d="M${num(cx - s)} ${num(cy - s)}L${num(cx + s)} ${num(cy + s)}M${num(cx + s)} ${num(cy - s)}L${num(cx - s)} ${num(cy + s)}"/>`;
  }
  return text(cx, cy, '?', 11, 'mark-glyph', 'middle');
}

function renderExpectation(laid: LaidOutExpectation, x: TopologyExpectation): string {
  const o = outcome(x);
  const { start, c1, c2, end } = laid.path;
  const d = `M${num(start.x)} ${num(start.y)}C${num(c1.x)} ${num(c1.y)} ${num(c2.x)} ${num(c2.y)} ${num(end.x)} ${num(end.y)}`;
  // The arrowhead at the target: the curve arrives horizontally, pointing at the container.
  const dir = laid.side === 'left' ? 1 : -1;
  const arrow = `M${num(end.x)} ${num(end.y)}L${num(end.x - dir * 8)} ${num(end.y - 4)}L${num(end.x - dir * 8)} ${num(end.y + 4)}Z`;
  const cx = laid.label.x + laid.label.width / 2;
  const cy = laid.label.y + laid.label.height / 2;
  const classes = `expectation expectation-${o} expect-${x.reachable ? 'reachable' : 'unreachable'}`;
  return (
    `<g class="${classes}" data-from="${xmlAttr(laid.from)}" data-to="${xmlAttr(laid.to)}" data-index="${laid.index}" tabindex="0">` +
    `${title(expectationTitle(x))}<path class="arc" d="${d}"/><path class="arrow" d="${arrow}"/>` +
    `<g class="mark"><circle class="mark-bg" cx="${num(cx)}" cy="${num(cy)}" r="${num(MARK_SIZE / 2)}"/>${markGlyph(o, cx, cy)}</g></g>`
  );
}

function summary(graph: TopologyGraph, drawn: number): { title: string; desc: string } {
  const networks = graph.nodes.filter((n) => n.kind === 'network').length;
  const containers = graph.nodes.length - networks;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const titleText = `Switchyard topology: ${plural(networks, 'network')}, ${plural(containers, 'container')}, ${plural(graph.edges.length, 'endpoint')}`;
  // No read time: the same graph draws the same bytes, so a drawing can be kept while the graph stays.
  // A scoped key's graph carries no engine details (null): the picture says none either.
  const { name, version } = graph.engine;
  const parts = name !== null ? [`Engine ${name} (Docker ${version ?? 'unknown'}).`] : [];
  if (graph.template !== undefined) {
    const xs = graph.expectations ?? [];
    const count = (o: Outcome) => xs.filter((x) => outcome(x) === o).length;
    parts.push(
      `Template ${graph.template}: ${plural(xs.length, 'expectation')}, ${count('passed')} passed, ${count('failed')} failed, ${count('unchecked')} not checked.`,
    );
    if (drawn < xs.length) parts.push(`${xs.length - drawn} not drawn: a container is not in the picture.`);
  }
  parts.push(
    'Containers are boxes (state word and icon: circle running, square stopped, triangle other); networks are rounded bars with their driver; lines are endpoints labelled with their addresses.',
  );
  return { title: titleText, desc: parts.join(' ') };
}

function document(
  width: number,
  height: number,
  theme: Theme,
  head: { title: string; desc: string },
  body: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" class="sy-topology theme-${theme}" role="img" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="${xmlAttr(FONT_FAMILY)}">\n` +
    `<title>${xmlText(head.title)}</title>\n<desc>${xmlText(head.desc)}</desc>\n` +
    `<style>\n${themeCss(theme)}\n</style>\n` +
    `<rect class="bg" x="0" y="0" width="${width}" height="${height}"/>\n${body}</svg>\n`
  );
}

function emptySvg(graph: TopologyGraph, theme: Theme): string {
  const message = 'no networks or containers';
  const width = Math.ceil(textWidth(message, NAME_SIZE) + 48);
  const height = 64;
  const head = summary(graph, 0);
  return document(
    width,
    height,
    theme,
    head,
    `${text(width / 2, height / 2, message, NAME_SIZE, 'empty muted', 'middle')}\n`,
  );
}

// The graph as a standalone SVG document (no external fonts, images or scripts). Deterministic:
// the same graph gives the same bytes.
export function renderSvg(graph: TopologyGraph, options: SvgOptions = {}): string {
  // An unknown theme (a caller that did not validate its query) draws as 'auto', never throws.
  const theme: Theme = SVG_THEMES.includes(options.theme as Theme) ? (options.theme as Theme) : 'auto';
  if (graph.nodes.length === 0) return emptySvg(graph, theme);
  const { layout, nodes, edges } = layoutWithContent(graph);
  const names = new Map(graph.nodes.map((n) => [n.id, n.name]));
  const out: string[] = ['<g class="edges">'];
  for (const e of layout.edges) out.push(renderEdge(e, edges.get(e.id) as EdgeContent, names));
  out.push('</g>', '<g class="nodes">');
  // In reading order (top to bottom, then left to right), so that Tab walks the picture as it is seen.
  const reading = [...layout.nodes].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const n of reading) out.push(renderNode(nodes.get(n.id) as NodeContent, n.x, n.y));
  out.push('</g>');
  const expectations = graph.expectations ?? [];
  if (layout.expectations.length) {
    out.push('<g class="expectations">');
    for (const x of layout.expectations) out.push(renderExpectation(x, expectations[x.index]));
    out.push('</g>');
  }
  return document(
    layout.width,
    layout.height,
    theme,
    summary(graph, layout.expectations.length),
    `${out.join('\n')}\n`,
  );
}
