import { DomainError } from '../../src/common/errors/domain-error';
import { SVG_MAX_NODES, TopologyRenderer } from '../../src/topology/topology-renderer';
import type { TopologyGraph, TopologyNode } from '../../src/topology/topology.types';

const engine = { id: 'ENGINE', name: 'engine', version: '26.1.5' };

function graphOf(containers: number, generatedAt = '2026-11-30T00:00:00.000Z'): TopologyGraph {
  const nodes: TopologyNode[] = [{ id: 'network:n1', kind: 'network', name: 'net', driver: 'bridge' }];
  const edges = [];
  for (let i = 0; i < containers; i++) {
    nodes.push({ id: `container:c${i}`, kind: 'container', name: `c${i}`, state: 'running' });
    edges.push({
      id: `container:c${i}|network:n1`,
      from: `container:c${i}`,
      to: 'network:n1',
      ipv4Address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      ipv6Address: null,
      macAddress: null,
      aliases: [],
    });
  }
  return { engine, nodes, edges, generatedAt };
}

describe('topology renderer', () => {
  it('answers each format with its media type', () => {
    const renderer = new TopologyRenderer();
    const graph = graphOf(2);
    expect(renderer.render(graph, 'json')).toEqual({
      contentType: expect.stringMatching(/^application\/json/),
      body: graph,
    });
    expect(renderer.render(graph, 'mermaid').contentType).toMatch(/^text\/vnd\.mermaid/);
    expect(renderer.render(graph, 'dot').contentType).toMatch(/^text\/vnd\.graphviz/);
    const svg = renderer.render(graph, 'svg', 'dark');
    expect(svg.contentType).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toContain('c1');
  });

  it('draws the same graph read at another time from its cache, and another graph anew', () => {
    const renderer = new TopologyRenderer();
    const first = renderer.svg(graphOf(3, '2026-11-30T00:00:00.000Z'), 'light');
    const again = renderer.svg(graphOf(3, '2026-11-30T00:00:09.000Z'), 'light');
    expect(again).toBe(first);
    expect(renderer.svg(graphOf(3), 'dark')).not.toBe(first);
    expect(renderer.svg(graphOf(4), 'light')).toContain('c3');
  });

  it(`refuses an SVG of more than ${SVG_MAX_NODES} nodes with what to do instead`, () => {
    const renderer = new TopologyRenderer();
    const error = (() => {
      try {
        renderer.svg(graphOf(SVG_MAX_NODES));
      } catch (e) {
        return e;
      }
    })() as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('TOPOLOGY_TOO_LARGE');
    expect(error.message).toMatch(/network=, label= or template=/);
    // The text formats have no such limit.
    expect(renderer.render(graphOf(SVG_MAX_NODES), 'dot').body).toContain('c299');
  });
});
