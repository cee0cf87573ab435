import type { Actor } from '../../src/auth/roles';
import type { DomainError } from '../../src/common/errors/domain-error';
import { SVG_PER_OPERATION, TopologyResolver } from '../../src/topology/topology.resolver';
import type { TopologyRenderer } from '../../src/topology/topology-renderer';
import type { TopologyService } from '../../src/topology/topology.service';
import type { TopologyGraph } from '../../src/topology/topology.types';

const graph: TopologyGraph = {
  engine: { id: 'ENGINE', name: 'engine', version: '26.1.5' },
  nodes: [{ id: 'network:n1', kind: 'network', name: 'net', driver: 'bridge' }],
  edges: [],
  generatedAt: '2026-11-30T00:00:00.000Z',
};

// F1: one GraphQL operation cannot queue 20 pictures through aliases of `svg`.
describe('topology resolver: SVG pictures per operation', () => {
  const drawn: (string | undefined)[] = [];
  const renderer = {
    svg: (_graph: TopologyGraph, theme?: string) => {
      drawn.push(theme);
      return Promise.resolve(`<svg>${theme}</svg>`);
    },
  } as unknown as TopologyRenderer;
  const resolver = new TopologyResolver({} as TopologyService, renderer);
  const actor: Actor = { keyId: 'k1', name: 'viewer-1', role: 'viewer', scope: {} };

  it(`draws at most ${SVG_PER_OPERATION} per operation; the next are QUERY_TOO_COMPLEX, each on its own`, async () => {
    const operation = {};
    const answers = await Promise.allSettled(
      ['light', 'dark', 'auto', 'light'].map((theme) =>
        resolver.svg(graph, operation, actor, theme as 'light'),
      ),
    );
    expect(answers.slice(0, SVG_PER_OPERATION).map((a) => a.status)).toEqual(['fulfilled', 'fulfilled']);
    for (const refused of answers.slice(SVG_PER_OPERATION)) {
      expect(refused.status).toBe('rejected');
      const error = (refused as PromiseRejectedResult).reason as DomainError;
      expect(error.code).toBe('QUERY_TOO_COMPLEX');
      expect(error.message).toMatch(/more than 2 SVG pictures/);
    }
    expect(drawn).toEqual(['light', 'dark']);
    // Another operation (another context) starts again.
    await expect(resolver.svg(graph, {}, actor, 'auto')).resolves.toBe('<svg>auto</svg>');
  });
});
