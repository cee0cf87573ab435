import type { TopologyEdge, TopologyExpectation, TopologyGraph, TopologyNode } from '../topology.types';
import { withoutBidi } from './svg-text';

// Both renderers treat every name, alias, label and template name as hostile: nothing the engine
// or a caller chose reaches the output but through the escaping below, and node ids in the output
// are made here, never taken from names.

// What an endpoint edge says: the IPv4 address and the aliases (IPv6 and MAC are in the JSON).
function edgeLines(edge: TopologyEdge): string[] {
  const lines: string[] = [];
  if (edge.ipv4Address) lines.push(edge.ipv4Address);
  if (edge.aliases.length) lines.push(edge.aliases.join(', '));
  return lines;
}

function nodeLines(node: TopologyNode): string[] {
  if (node.kind === 'network') {
    const detail = [node.driver ?? 'network', ...(node.subnets ?? [])].join(' ');
    return [node.name, node.internal ? `${detail} internal` : detail];
  }
  return [node.name, node.state ?? 'unknown'];
}

function expectationText(e: TopologyExpectation): string {
  const expected = e.reachable ? 'reach' : 'no reach';
  const result = e.passed === null ? 'not checked' : e.passed ? 'pass' : 'FAIL';
  return `expect ${expected}: ${result}`;
}

// Expectations drawn: both ends in the graph.
const drawn = (graph: TopologyGraph) =>
  (graph.expectations ?? []).filter(
    (e): e is TopologyExpectation & { from: string; to: string } => e.from !== null && e.to !== null,
  );

const expectationClass = (e: TopologyExpectation) =>
  e.passed === null ? 'unchecked' : e.passed ? 'pass' : 'fail';

// A class name from an engine word (driver, state): letters and digits only.
const word = (value: string | undefined) => (value ?? '').toLowerCase().replace(/[^a-z0-9]/g, '') || 'other';

// Control characters (newlines among them) would end a statement in both syntaxes. Bidi controls
// would reorder the drawn name (display spoofing): shown as `?`, as in the SVG and the logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const clean = (text: string) => withoutBidi(text.replace(CONTROL, ' '));

// ---------------------------------------------------------------------------------------------
// Mermaid

// Inside a quoted Mermaid label everything but plain letters, digits and a few harmless
// characters becomes an entity code (`#35;`): no quote, bracket, pipe, semicolon, `#`, `%` or
// markup can end the label or open a new statement, and Mermaid shows the character itself.
function mermaidText(text: string): string {
  return [...clean(text)]
    .map((ch) => (/^[A-Za-z0-9 _.,:/@+=-]$/.test(ch) ? ch : `#${ch.codePointAt(0)};`))
    .join('');
}

const mermaidLabel = (lines: string[]) => `"${lines.map(mermaidText).join('<br/>')}"`;

const MERMAID_STYLES = [
  'classDef network fill:#e8f1fb,stroke:#2f6db5,color:#10243d',
  'classDef builtin stroke-dasharray:4 3',
  'classDef container fill:#eef8ee,stroke:#3b8a3e,color:#12301a',
  'classDef state_running stroke-width:2px',
  'classDef state_exited fill:#f1f1f1,stroke:#888888,color:#444444',
  'classDef state_created fill:#f1f1f1,stroke:#888888,color:#444444',
  'classDef state_dead fill:#fbeaea,stroke:#b33a3a,color:#4a1010',
  'classDef state_paused fill:#fff7e0,stroke:#b58a2f,color:#3d2e10',
  'classDef state_restarting fill:#fff7e0,stroke:#b58a2f,color:#3d2e10',
];

const EXPECTATION_COLOURS: Record<string, string> = {
  pass: '#2e8b3a',
  fail: '#c0392b',
  unchecked: '#888888',
};

// Mermaid flowchart source for the graph (renders in any Mermaid 10+ viewer): networks as
// hexagons, containers as rounded boxes, classes by kind, driver and state; an undirected edge per
// endpoint with its IPv4 address and aliases; expectations as dotted arrows marked pass or FAIL.
export function renderMermaid(graph: TopologyGraph): string {
  const ids = new Map<string, string>();
  graph.nodes.forEach((node, i) => ids.set(node.id, `${node.kind === 'network' ? 'n' : 'c'}${i}`));
  const out = ['flowchart LR'];
  const classes: string[] = [];
  for (const node of graph.nodes) {
    const id = ids.get(node.id) ?? '';
    const label = mermaidLabel(nodeLines(node));
    if (node.kind === 'network') {
      out.push(`  ${id}{{${label}}}`);
      classes.push(`  class ${id} network,driver_${word(node.driver)}${node.builtIn ? ',builtin' : ''}`);
    } else {
      out.push(`  ${id}(${label})`);
      classes.push(`  class ${id} container,state_${word(node.state)}`);
    }
  }
  let links = 0;
  for (const edge of graph.edges) {
    const from = ids.get(edge.from);
    const to = ids.get(edge.to);
    if (!from || !to) continue;
    const lines = edgeLines(edge);
    out.push(lines.length ? `  ${from} ---|${mermaidLabel(lines)}| ${to}` : `  ${from} --- ${to}`);
    links++;
  }
  const styles: string[] = [];
  for (const e of drawn(graph)) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (!from || !to) continue;
    out.push(`  ${from} -.->|${mermaidLabel([expectationText(e)])}| ${to}`);
    styles.push(
      `  linkStyle ${links} stroke:${EXPECTATION_COLOURS[expectationClass(e)]},stroke-width:2px,color:${EXPECTATION_COLOURS[expectationClass(e)]}`,
    );
    links++;
  }
  return [...out, ...MERMAID_STYLES.map((s) => `  ${s}`), ...classes, ...styles, ''].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Graphviz DOT

// A DOT double-quoted string: backslashes and quotes escaped, so nothing ends it early and no
// escape sequence of the label language (\N, \G, \l...) comes from a name; lines are joined with
// the `\n` sequence on purpose.
function dotString(text: string): string {
  return `"${clean(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const dotLabel = (lines: string[]) => `"${lines.map((l) => dotString(l).slice(1, -1)).join('\\n')}"`;

const DOT_STATE_FILL: Record<string, string> = {
  running: '#eef8ee',
  paused: '#fff7e0',
  restarting: '#fff7e0',
  dead: '#fbeaea',
};

function dotNode(node: TopologyNode): string {
  const attrs =
    node.kind === 'network'
      ? [
          'shape=hexagon',
          `style=${node.builtIn ? '"filled,dashed"' : 'filled'}`,
          'fillcolor="#e8f1fb"',
          'color="#2f6db5"',
          `class=${dotString(`network driver-${word(node.driver)}${node.builtIn ? ' builtin' : ''}`)}`,
        ]
      : [
          'shape=box',
          'style="rounded,filled"',
          `fillcolor="${DOT_STATE_FILL[node.state ?? ''] ?? '#f1f1f1'}"`,
          `color="${node.state === 'running' ? '#3b8a3e' : '#888888'}"`,
          `class=${dotString(`container state-${word(node.state)}`)}`,
        ];
  return `  ${dotString(node.id)} [label=${dotLabel(nodeLines(node))}, ${attrs.join(', ')}];`;
}

// Graphviz DOT source for the graph (`dot -Tsvg` draws it): node ids are the graph's own ids,
// endpoints undirected container-to-network edges, expectations dashed arrows.
export function renderDot(graph: TopologyGraph): string {
  const known = new Set(graph.nodes.map((n) => n.id));
  const out = [
    'digraph topology {',
    '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.4, ranksep=1.2];',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
    ...graph.nodes.map(dotNode),
  ];
  for (const edge of graph.edges) {
    if (!known.has(edge.from) || !known.has(edge.to)) continue;
    const lines = edgeLines(edge);
    const label = lines.length ? `, label=${dotLabel(lines)}` : '';
    out.push(
      `  ${dotString(edge.from)} -> ${dotString(edge.to)} [id=${dotString(edge.id)}, dir=none${label}];`,
    );
  }
  for (const e of drawn(graph)) {
    if (!known.has(e.from) || !known.has(e.to)) continue;
    const colour = EXPECTATION_COLOURS[expectationClass(e)];
    out.push(
      `  ${dotString(e.from)} -> ${dotString(e.to)} [style=dashed, color="${colour}", fontcolor="${colour}", ` +
        `class=${dotString(`expectation ${expectationClass(e)}`)}, label=${dotLabel([expectationText(e)])}];`,
    );
  }
  out.push('}', '');
  return out.join('\n');
}
