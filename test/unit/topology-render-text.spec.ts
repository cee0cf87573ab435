import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { renderSvg } from '../../src/topology/render/svg';
import { textColumns, xmlText } from '../../src/topology/render/svg-text';
import { renderDot, renderMermaid } from '../../src/topology/render/text';
import type { TopologyGraph } from '../../src/topology/topology.types';

// Names, aliases, labels and template names as a hostile caller could choose them (aliases and
// template names are not held to Docker's name rule, and a network made outside Switchyard may
// have any name the engine accepts).
const HOSTILE = [
  'a"];\nclick n0 call alert(1)',
  '}} --> x[<script>alert(1)</script>',
  '|pipe| `tick` #35; %% comment',
  'back\\slash\\" "quote\\',
  'end',
  'graph { } -> "x" [label=<b>html</b>]',
  'ünï©ødé 😀 \u2028 tab\tnul\u0000',
];

function graph(names: string[]): TopologyGraph {
  const nodes: TopologyGraph['nodes'] = [];
  const edges: TopologyGraph['edges'] = [];
  names.forEach((name, i) => {
    const net = `network:${'a'.repeat(63)}${i}`;
    const box = `container:${'b'.repeat(63)}${i}`;
    nodes.push({ id: net, kind: 'network', name, driver: i % 2 ? 'bridge' : `dr"iver${i}`, subnets: [] });
    nodes.push({ id: box, kind: 'container', name: `${name}-box`, state: i % 2 ? 'running' : 'exit"ed' });
    edges.push({
      id: `${box}|${net}`,
      from: box,
      to: net,
      ipv4Address: `10.130.0.${i + 2}`,
      ipv6Address: null,
      macAddress: null,
      aliases: [name, `${name}-alias`],
    });
  });
  const boxes = nodes.filter((n) => n.kind === 'container');
  return {
    engine: { id: 'ENGINE', name: 'engine"name', version: '26.1.5' },
    nodes,
    edges,
    template: 'tour"; drop',
    expectations: [
      {
        fromName: names[0],
        toName: names[1],
        from: boxes[0].id,
        to: boxes[1].id,
        reachable: true,
        passed: true,
        diagnosis: null,
        deploymentId: 'd1',
        checkedAt: '2026-01-01T00:00:00.000Z',
      },
      {
        fromName: names[1],
        toName: names[0],
        from: boxes[1].id,
        to: boxes[0].id,
        reachable: false,
        passed: false,
        diagnosis: { code: 'REACHABLE', message: 'x' },
        deploymentId: 'd1',
        checkedAt: '2026-01-01T00:00:00.000Z',
      },
      {
        fromName: names[2],
        toName: 'gone',
        from: boxes[2].id,
        to: null,
        reachable: true,
        passed: null,
        diagnosis: null,
        deploymentId: null,
        checkedAt: null,
      },
    ],
    generatedAt: '2026-01-01T00:00:00.000Z',
  };
}

// Mermaid's entity codes back to the characters they stand for (what a viewer shows).
const unMermaid = (text: string) =>
  text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));

// What a viewer shows of a name: control characters become spaces.
// eslint-disable-next-line no-control-regex
const shown = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

describe('renderMermaid', () => {
  const g = graph(HOSTILE);
  const text = renderMermaid(g);
  const lines = text.trimEnd().split('\n');

  it('starts a left-to-right flowchart and writes one statement per line, every label quoted', () => {
    expect(lines[0]).toBe('flowchart LR');
    // Every statement is one of the forms the renderer writes: no name can start another.
    const forms = [
      /^ {2}n\d+\{\{"[^"]*"\}\}$/,
      /^ {2}c\d+\("[^"]*"\)$/,
      /^ {2}c\d+ ---\|"[^"]*"\| n\d+$/,
      /^ {2}c\d+ --- n\d+$/,
      /^ {2}c\d+ -\.->\|"[^"]*"\| c\d+$/,
      /^ {2}classDef [a-z_]+ [^"]+$/,
      /^ {2}class [cn]\d+ [a-z0-9_,]+$/,
      /^ {2}linkStyle \d+ [a-z0-9:#,-]+$/,
    ];
    for (const line of lines.slice(1)) expect(forms.some((f) => f.test(line))).toBe(true);
  });

  it('keeps every hostile character inside its label as an entity code, and shows each name', () => {
    const labels = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    for (const label of labels) expect(label).toMatch(/^[A-Za-z0-9 _.,:/@+=#;<>-]*$/);
    const shownText = labels.map((l) => unMermaid(l.replace(/<br\/>/g, '\n'))).join('\n');
    for (const name of HOSTILE) {
      expect(shownText).toContain(shown(name));
      expect(shownText).toContain(`${shown(name)}-alias`);
    }
  });

  it('draws each kind with its shape and classes by driver and state', () => {
    expect(lines.filter((l) => /^ {2}n\d+\{\{/.test(l))).toHaveLength(HOSTILE.length);
    expect(lines.filter((l) => /^ {2}c\d+\(/.test(l))).toHaveLength(HOSTILE.length);
    expect(text).toContain('network,driver_bridge');
    expect(text).toContain('network,driver_driver0');
    expect(text).toContain('container,state_running');
    expect(text).toContain('container,state_exited');
  });

  it('draws the expectations with both ends in the graph as dotted arrows marked pass or FAIL', () => {
    const dotted = lines.filter((l) => l.includes('-.->'));
    expect(dotted).toHaveLength(2);
    expect(unMermaid(dotted[0])).toContain('expect reach: pass');
    expect(unMermaid(dotted[1])).toContain('expect no reach: FAIL');
    // The two overlays come after the endpoint links: their styles name their indices.
    expect(text).toContain(`linkStyle ${HOSTILE.length} stroke:#2e8b3a`);
    expect(text).toContain(`linkStyle ${HOSTILE.length + 1} stroke:#c0392b`);
  });

  it('draws an empty graph', () => {
    expect(renderMermaid({ ...g, nodes: [], edges: [], expectations: undefined })).toMatch(/^flowchart LR\n/);
  });
});

// DOT's quoted strings as Graphviz reads them.
function dotStrings(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) out.push(m[1].replace(/\\(.)/g, '$1'));
  return out;
}

describe('renderDot', () => {
  const g = graph(HOSTILE);
  const text = renderDot(g);

  it('writes a digraph whose statements are the ones the renderer makes', () => {
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('digraph topology {');
    expect(lines[lines.length - 1]).toBe('}');
    // Outside quoted strings only the renderer's own syntax appears.
    const bare = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(bare.replace(/->/g, '')).not.toMatch(/[<>]/);
    expect(bare.split('\n').filter((l) => l.includes('->'))).toHaveLength(HOSTILE.length + 2);
  });

  it('quotes every id and name so that each reads back whole', () => {
    const strings = dotStrings(text);
    for (const node of g.nodes) expect(strings).toContain(node.id);
    const labels = strings.join('\n');
    for (const name of HOSTILE) expect(labels).toContain(shown(name).replace(/\\/g, '\\'));
  });

  const dot = '/usr/bin/dot';
  (existsSync(dot) ? it : it.skip)("is accepted by Graphviz's dot, which draws every name", () => {
    const result = spawnSync(dot, ['-Tsvg'], { input: text, encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const svgText = result.stdout
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#45;/g, '-')
      .replace(/&amp;/g, '&');
    for (const name of ['end', 'ünï©ødé 😀', '|pipe| `tick` #35; %% comment'])
      expect(svgText).toContain(name);
    // The name is text in the drawing, never markup.
    expect(result.stdout).not.toContain('<script');
    expect(svgText).toContain('<script>alert(1)</script>');
    expect(svgText).toContain('expect no reach: FAIL');
  });
});

// Red team F8: bidi controls would make a drawn name read as another (`x\u202Eatem-nimda` drawn as
// `xadmin-meta`): every renderer shows each as `?`, as log lines do; the JSON keeps the value.
describe('bidi controls in drawn names', () => {
  const BIDI = [
    '\u202a',
    '\u202b',
    '\u202c',
    '\u202d',
    '\u202e',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200e',
    '\u200f',
  ];
  const spoof = `rt-${BIDI.join('')}atem-nimda`;
  const g = graph([spoof, 'plain', 'other']);
  const visible = `rt-${'?'.repeat(BIDI.length)}atem-nimda`;
  const hasBidi = (text: string) => BIDI.some((c) => text.includes(c));

  it('shows them as ? in Mermaid, DOT and SVG', () => {
    const mermaid = unMermaid(renderMermaid(g));
    expect(hasBidi(mermaid)).toBe(false);
    expect(mermaid).toContain(visible);
    const dot = renderDot(g);
    expect(hasBidi(dot)).toBe(false);
    expect(dot).toContain(visible);
    const svg = renderSvg(g);
    expect(hasBidi(svg)).toBe(false);
    expect(svg).toContain(visible);
  });

  it('counts each as one column, as drawn', () => {
    expect(textColumns('\u202e')).toBe(1);
    expect(xmlText('a\u202eb\u2066c')).toBe('a?b?c');
    // Other zero-width characters keep their width.
    expect(textColumns('a\u200db')).toBe(2);
  });

  it('leaves the graph itself (the JSON answer) as the engine has it', () => {
    expect(g.nodes[0].name).toBe(spoof);
  });
});
