// The topology SVG (issue 13): laid out with dagre, no overlapping label boxes, a standalone and
// well-formed document with every name in it, hostile text escaped, deterministic, themed.
// fast-xml-parser (already in the tree, via prism) is the real XML parser the documents go through.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { separateLabels } from '../../src/topology/render/layout';
import { labelOverlaps, layoutTopology, renderSvg, type SvgLayout } from '../../src/topology/render/svg';
import { PALETTES, themeCss, type Palette } from '../../src/topology/render/svg-theme';
import { textColumns, textWidth, truncate, xmlSafe } from '../../src/topology/render/svg-text';
import type { TopologyGraph } from '../../src/topology/topology.types';
import { container, endpoint, estate, network, walkthrough } from './topology-svg.fixtures';

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

interface Element {
  tag: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  htmlEntities: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
});

function toElements(nodes: XmlNode[]): Element[] {
  const out: Element[] = [];
  for (const node of nodes) {
    const tag = Object.keys(node).find((k) => k !== ':@') as string;
    if (tag === '#text' || tag === '?xml') continue;
    const children = toElements(node[tag] as XmlNode[]);
    const own = (node[tag] as XmlNode[])
      .filter((c) => '#text' in c)
      .map((c) => String(c['#text']))
      .join('');
    out.push({ tag, attrs: node[':@'] ?? {}, children, text: own });
  }
  return out;
}

// Parses with a real XML parser (after validating), answers the root <svg> element.
function parse(svg: string): Element {
  expect(XMLValidator.validate(svg)).toBe(true);
  const roots = toElements(parser.parse(svg) as XmlNode[]);
  expect(roots).toHaveLength(1);
  expect(roots[0].tag).toBe('svg');
  return roots[0];
}

function all(root: Element, pick: (e: Element) => boolean): Element[] {
  const found: Element[] = [];
  const walk = (e: Element) => {
    if (pick(e)) found.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return found;
}

const classes = (e: Element) => (e.attrs.class ?? '').split(' ');
const allText = (e: Element): string => e.text + e.children.map(allText).join('');

function expectStandalone(svg: string, root: Element): void {
  expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
  expect(root.attrs.role).toBe('img');
  expect(root.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
  expect(root.attrs.viewBox).toBe(`0 0 ${root.attrs.width} ${root.attrs.height}`);
  expect(root.children[0].tag).toBe('title');
  expect(root.children[1].tag).toBe('desc');
  // Nothing fetched, nothing run: no links, images, scripts, external CSS, foreign content.
  expect(all(root, (e) => ['script', 'image', 'a', 'foreignObject', 'use'].includes(e.tag))).toEqual([]);
  expect(all(root, (e) => Object.keys(e.attrs).some((k) => /href$|^on/i.test(k)))).toEqual([]);
  expect(svg).not.toMatch(/url\(|@import|@font-face|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  // Only characters XML 1.0 allows.
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/u);
}

function expectNoOverlaps(layout: SvgLayout): void {
  expect(labelOverlaps(layout)).toEqual([]);
}

describe('walkthrough topology (README short tour and template tour)', () => {
  const graph = walkthrough();
  const svg = renderSvg(graph);
  const root = parse(svg);

  it('is a standalone SVG document', () => {
    expectStandalone(svg, root);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    expect(allText(root.children[0])).toBe('Switchyard topology: 4 networks, 2 containers, 2 endpoints');
    expect(allText(root.children[1])).toContain('Template tour: 1 expectation, 1 passed');
  });

  it('names every network and container, with every address on its edge', () => {
    const visible = all(root, (e) => e.tag === 'text').map(allText);
    for (const name of ['demo', 'bridge', 'host', 'none', 'containerA', 'containerB'])
      expect(visible).toContain(name);
    expect(visible).toEqual(expect.arrayContaining(['10.50.0.10', '10.50.0.2', '10.50.0.0/24', 'running']));
    const a = graph.edges.find((e) => e.ipv4Address === '10.50.0.10');
    const edge = all(root, (e) => classes(e).includes('edge')).find(
      (e) => e.attrs['data-id'] === a?.id,
    ) as Element;
    expect(allText(edge.children[0])).toContain('aliases: a, containerA');
    expect(allText(edge.children[0])).toContain('MAC: 02:aa:bb:cc:dd:0a');
  });

  it('has no overlapping label boxes', () => {
    const layout = layoutTopology(graph);
    expectNoOverlaps(layout);
    expect(layout.nodes).toHaveLength(6);
    expect(layout.edges.every((e) => e.label !== null)).toBe(true);
  });

  it('keeps the /ui contract: data attributes on nodes, edges and expectation overlays', () => {
    const nodes = all(root, (e) => classes(e).includes('node'));
    expect(nodes.map((n) => n.attrs['data-id']).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    for (const n of nodes) {
      const node = graph.nodes.find((g) => g.id === n.attrs['data-id']);
      expect(classes(n)).toContain(`node-${node?.kind}`);
      expect(n.attrs['data-kind']).toBe(node?.kind);
      expect(n.attrs['data-name']).toBe(node?.name);
      expect(n.attrs.tabindex).toBe('0');
      if (node?.kind === 'container') expect(n.attrs['data-state']).toBe('running');
    }
    const edges = all(root, (e) => classes(e).includes('edge'));
    expect(edges.map((e) => [e.attrs['data-id'], e.attrs['data-from'], e.attrs['data-to']]).sort()).toEqual(
      graph.edges.map((e) => [e.id, e.from, e.to]).sort(),
    );
    const overlays = all(root, (e) => classes(e).includes('expectation'));
    expect(overlays).toHaveLength(1);
    expect(classes(overlays[0])).toContain('expectation-passed');
    expect(overlays[0].attrs['data-from']).toBe(graph.expectations?.[0].from);
    expect(overlays[0].attrs['data-to']).toBe(graph.expectations?.[0].to);
  });

  it('puts containers an expectation links on one side, so its arc stays out of the network column', () => {
    const layout = layoutTopology(graph);
    const [a, b] = ['containerA', 'containerB'].map((name) =>
      layout.nodes.find((n) => n.id === graph.nodes.find((g) => g.name === name)?.id),
    );
    expect(a?.x).toBe(b?.x === undefined ? NaN : a?.x);
    expect(layout.expectations).toHaveLength(1);
    expect(layout.expectations[0].label.x + layout.expectations[0].label.width).toBeLessThanOrEqual(
      Math.min(a?.x ?? 0, b?.x ?? 0),
    );
    // Without the template, the two containers go either side of demo.
    const plain = layoutTopology(walkthrough(false));
    const xs = plain.nodes.filter((n) => n.id.startsWith('container:')).map((n) => n.x);
    expect(new Set(xs).size).toBe(2);
  });

  it('draws built-in networks with no members in the network column', () => {
    const layout = layoutTopology(graph);
    const demo = layout.nodes.find((n) => n.id === graph.nodes[0].id) as SvgLayout['nodes'][number];
    for (const builtIn of graph.nodes.filter((n) => n.builtIn)) {
      const laid = layout.nodes.find((n) => n.id === builtIn.id) as SvgLayout['nodes'][number];
      expect(laid.x + laid.width / 2).toBeCloseTo(demo.x + demo.width / 2, 0);
    }
  });
});

describe('50 containers on 10 networks', () => {
  const graph = estate(50, 10);

  it('has every container on 1 to 3 networks, no overlapping labels, and a readable size', () => {
    const perContainer = new Map<string, number>();
    for (const e of graph.edges) perContainer.set(e.from, (perContainer.get(e.from) ?? 0) + 1);
    expect(new Set(perContainer.values())).toEqual(new Set([1, 2, 3]));
    const layout = layoutTopology(graph);
    expectNoOverlaps(layout);
    // Two columns of 25 containers either side of the networks: about 1,100 x 2,200 units, read
    // at 1:1 with vertical scrolling (one column of 50 was 3,300 high; top to bottom, 8,000 wide).
    console.log(`topology SVG, 50 containers on 10 networks: ${layout.width} x ${layout.height}`);
    expect(layout.width).toBeLessThan(1400);
    expect(layout.height).toBeLessThan(2600);
    const svg = renderSvg(graph);
    const root = parse(svg);
    expectStandalone(svg, root);
    const names = all(root, (e) => classes(e).includes('node')).map((e) => e.attrs['data-name']);
    expect(names.sort()).toEqual(graph.nodes.map((n) => n.name).sort());
    const visible = new Set(all(root, (e) => e.tag === 'text').map(allText));
    for (const n of graph.nodes) expect(visible.has(n.name)).toBe(true);
  });

  it('draws stopped containers as stopped, in words, with their unaddressed endpoints', () => {
    const root = parse(renderSvg(graph));
    const stopped = all(root, (e) => classes(e).includes('state-stopped'));
    expect(stopped.length).toBeGreaterThan(0);
    for (const s of stopped) {
      expect(all(s, (e) => classes(e).includes('state-word')).map(allText)).toEqual(['exited']);
      expect(all(s, (e) => e.tag === 'rect' && classes(e).includes('state-icon'))).toHaveLength(1);
    }
    expect(all(root, (e) => classes(e).includes('state-other')).length).toBeGreaterThan(0);
    expect(all(root, (e) => e.tag === 'text' && allText(e) === 'no IP').length).toBeGreaterThan(0);
  });

  it('has no overlapping labels with 200 containers either', () => {
    expectNoOverlaps(layoutTopology(estate(200)));
  });
});

const HOSTILE = [
  '<script>alert(1)</script>',
  'a&b&amp;c',
  'quote"double\'single',
  'cdata]]>end',
  'ctl\u0001\u001fchars',
  'lone\ud800surrogate',
  'emoji😀🧪 and 中文名字 and e\u0301 and עברית',
  '\u202eevil-rtl',
  `long-${'x'.repeat(295)}`,
];

function hostileGraph(): TopologyGraph {
  const nets = HOSTILE.map((name, i) =>
    network(name, {
      driver: i === 0 ? '<b>drv"' : 'bridge',
      subnets: [`10.70.${i}.0/24`],
      labels: { '<k>': '&v' },
    }),
  );
  const cs = HOSTILE.map((name, i) =>
    container(`c-${name}`, { image: `img-${name}`, state: i % 2 ? 'exited' : '<run>' }),
  );
  const edges = cs.map((c, i) =>
    endpoint(c, nets[i], {
      ipv4Address: `10.70.${i}.5`,
      aliases: [HOSTILE[(i + 1) % HOSTILE.length]],
      macAddress: '<mac>',
    }),
  );
  return {
    engine: { id: 'x', name: 'engine<&>', version: '"26"' },
    nodes: [...nets, ...cs],
    edges,
    template: 'tpl]]><x>',
    expectations: [
      {
        fromName: cs[0].name,
        toName: cs[1].name,
        from: cs[0].id,
        to: cs[1].id,
        reachable: true,
        passed: false,
        diagnosis: { code: 'NO_SHARED_NETWORK', message: '<no> & "shared" ]]> network' },
        deploymentId: null,
        checkedAt: null,
      },
    ],
    generatedAt: '2026-11-30T12:00:00.000Z',
  };
}

describe('hostile text', () => {
  const graph = hostileGraph();
  const svg = renderSvg(graph);
  const root = parse(svg);

  it('escapes every name, alias, label and message: the document stays well formed', () => {
    expectStandalone(svg, root);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain(']]>');
    expect(svg).not.toContain('<x>');
    expect(svg).not.toContain('<no>');
    // Exactly the elements the renderer writes, nothing smuggled in.
    const tags = new Set(all(root, () => true).map((e) => e.tag));
    expect([...tags].sort()).toEqual([
      'circle',
      'desc',
      'g',
      'path',
      'rect',
      'style',
      'svg',
      'text',
      'title',
    ]);
  });

  it('keeps full names in data-name and titles, with invalid XML characters replaced', () => {
    const nodes = all(root, (e) => classes(e).includes('node'));
    const names = nodes.map((n) => n.attrs['data-name']).sort();
    expect(names).toEqual(graph.nodes.map((n) => xmlSafe(n.name)).sort());
    const long = nodes.find((n) => n.attrs['data-name'] === `long-${'x'.repeat(295)}`) as Element;
    expect(allText(long.children[0])).toContain(`network long-${'x'.repeat(295)}`);
    // The visible name is cut with an ellipsis.
    const shown = all(long, (e) => classes(e).includes('name')).map(allText)[0];
    expect(shown.endsWith('\u2026')).toBe(true);
    expect(textColumns(shown)).toBeLessThanOrEqual(32);
    const failed = all(root, (e) => classes(e).includes('expectation-failed'));
    expect(failed).toHaveLength(1);
    expect(allText(failed[0].children[0])).toContain('NO_SHARED_NETWORK: <no> & "shared" ]]> network');
  });

  it('sizes wide and zero-width characters by columns, and has no overlapping labels', () => {
    expect(textColumns('中文')).toBe(4);
    expect(textColumns('e\u0301')).toBe(1);
    expect(textColumns('😀')).toBe(2);
    expect(truncate('中文名字', 5)).toBe('中文\u2026');
    expect(truncate('😀😀😀', 4)).toBe('😀\u2026');
    expectNoOverlaps(layoutTopology(graph));
    // Every text's drawn length is pinned to the width the layout reserved for it.
    for (const t of all(root, (e) => e.tag === 'text')) {
      const size = Number(t.attrs['font-size']);
      expect(Number(t.attrs.textLength)).toBeCloseTo(textWidth(allText(t), size), 0);
    }
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same graph, whatever the order of its nodes and edges', () => {
    const graph = estate(30, 6);
    const first = renderSvg(graph, { theme: 'dark' });
    expect(renderSvg(graph, { theme: 'dark' })).toBe(first);
    const shuffled: TopologyGraph = {
      ...graph,
      nodes: [...graph.nodes].reverse(),
      edges: [...graph.edges.slice(7), ...graph.edges.slice(0, 7)],
    };
    expect(renderSvg(shuffled, { theme: 'dark' })).toBe(first);
    expect(layoutTopology(shuffled)).toEqual(layoutTopology(graph));
  });
});

// WCAG 2 relative luminance and contrast ratio.
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('themes', () => {
  const graph = walkthrough();

  it('writes light, dark or both (auto, the default, follows prefers-color-scheme)', () => {
    const styleOf = (svg: string) => /<style>([\s\S]*)<\/style>/.exec(svg)?.[1] ?? '';
    const light = styleOf(renderSvg(graph, { theme: 'light' }));
    const dark = styleOf(renderSvg(graph, { theme: 'dark' }));
    const auto = styleOf(renderSvg(graph));
    expect(light).toContain(`.bg{fill:${PALETTES.light.bg}}`);
    expect(light).not.toContain('@media');
    expect(dark).toContain(`.bg{fill:${PALETTES.dark.bg}}`);
    expect(dark).not.toContain('@media');
    expect(auto).toContain(`.bg{fill:${PALETTES.light.bg}}`);
    expect(auto).toMatch(/@media \(prefers-color-scheme: dark\)\{[^]*\.bg\{fill:#0d1117\}/);
    expect(themeCss('auto')).toBe(auto.trim());
    // Every rule is scoped to the SVG's own class: a page that inlines it keeps its styles.
    for (const rule of auto.split('\n').filter((l) => l.includes('{') && !l.startsWith('@media'))) {
      for (const selector of rule
        .replace(/\{[^}]*\}/g, ',')
        .split(',')
        .filter(Boolean)) {
        expect(selector.trim().startsWith('.sy-topology')).toBe(true);
      }
    }
  });

  it.each(['light', 'dark'] as const)(
    'has enough contrast in %s (text 4.5:1, marks and lines 3:1)',
    (name) => {
      const p: Palette = PALETTES[name];
      const text: Array<[string, string]> = [
        [p.text, p.bg],
        [p.muted, p.bg],
        [p.text, p.containerFill],
        [p.muted, p.containerFill],
        [p.text, p.networkFill],
        [p.muted, p.networkFill],
        [p.tagText, p.tagFill],
        [p.text, p.edgeLabelFill],
        [p.muted, p.edgeLabelFill],
        [p.running, p.containerFill],
        [p.stopped, p.containerFill],
        [p.other, p.containerFill],
      ];
      for (const [fg, bg] of text)
        expect({ fg, bg, ok: contrast(fg, bg) >= 4.5 }).toEqual({ fg, bg, ok: true });
      const graphics: Array<[string, string]> = [
        [p.edge, p.bg],
        [p.containerStroke, p.bg],
        [p.networkStroke, p.bg],
        [p.passed, p.bg],
        [p.failed, p.bg],
        [p.unchecked, p.bg],
        [p.focus, p.bg],
      ];
      for (const [fg, bg] of graphics)
        expect({ fg, bg, ok: contrast(fg, bg) >= 3 }).toEqual({ fg, bg, ok: true });
    },
  );
});

describe('edges of the picture', () => {
  it('draws an empty graph as a small SVG that says so', () => {
    const svg = renderSvg({
      engine: { id: 'e', name: 'e', version: '26' },
      nodes: [],
      edges: [],
      generatedAt: 'now',
    });
    const root = parse(svg);
    expectStandalone(svg, root);
    expect(all(root, (e) => e.tag === 'text').map(allText)).toEqual(['no networks or containers']);
    expect(Number(root.attrs.width)).toBeLessThan(400);
  });

  it('skips expectations whose containers are not in the picture, and says so', () => {
    const graph = walkthrough();
    const expectation = graph.expectations?.[0];
    graph.expectations?.push({ ...expectation!, to: null, toName: 'gone', passed: null, diagnosis: null });
    graph.expectations?.push({ ...expectation!, from: expectation!.to, to: expectation!.from, passed: null });
    const svg = renderSvg(graph);
    const root = parse(svg);
    expect(allText(root.children[1])).toContain('1 not drawn: a container is not in the picture.');
    const overlays = all(root, (e) => classes(e).includes('expectation'));
    expect(overlays.map((o) => o.attrs['data-index'])).toEqual(['0', '2']);
    expect(classes(overlays[1])).toContain('expectation-unchecked');
    // Two arcs between the same containers take two lanes: their marks do not meet.
    expectNoOverlaps(layoutTopology(graph));
  });

  it('leaves out endpoints whose container or network a filter dropped', () => {
    const graph = walkthrough(false);
    graph.nodes = graph.nodes.filter((n) => n.name !== 'containerB');
    const layout = layoutTopology(graph);
    expect(layout.edges).toHaveLength(1);
    expectNoOverlaps(layout);
  });

  it('reports overlapping label boxes', () => {
    const layout = layoutTopology(walkthrough());
    const [edge] = layout.edges;
    const node = layout.nodes.find(
      (n) => n.id !== edge.from && n.id !== edge.to,
    ) as SvgLayout['nodes'][number];
    const moved = { ...layout, edges: [{ ...edge, label: { ...node.label } }, ...layout.edges.slice(1)] };
    expect(labelOverlaps(moved)).toEqual(
      expect.arrayContaining([
        {
          a: expect.objectContaining({ id: expect.any(String) }) as unknown,
          b: expect.objectContaining({ id: expect.any(String) }) as unknown,
        },
      ]),
    );
    const refs = labelOverlaps(moved).flatMap((o) => [o.a, o.b]);
    expect(refs).toEqual(
      expect.arrayContaining([
        { kind: 'edge-label', id: edge.id },
        { kind: 'node-label', id: node.id },
      ]),
    );
    expect(refs).toEqual(expect.arrayContaining([{ kind: 'node-shape', id: node.id }]));
  });

  it('slides a colliding address label along its own edge until nothing overlaps', () => {
    const layout = layoutTopology(walkthrough());
    const [first, second] = layout.edges;
    // Put the second edge's label on top of the first's.
    Object.assign(second.label as object, { x: first.label?.x, y: first.label?.y });
    expect(labelOverlaps(layout).length).toBeGreaterThan(0);
    separateLabels(layout);
    expect(labelOverlaps(layout)).toEqual([]);
    // It moved onto its own edge: its centre is on the edge's route (between its first and last x).
    const b = second.label as SvgLayout['edges'][number]['label'] & object;
    const xs = second.points.map((p) => p.x);
    expect(b.x + b.width / 2).toBeGreaterThanOrEqual(Math.min(...xs));
    expect(b.x + b.width / 2).toBeLessThanOrEqual(Math.max(...xs));
  });
});
