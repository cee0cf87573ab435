import type { FastifyInstance } from 'fastify';
import { graphiqlAsset, IDE_ASSET_PREFIX, IDE_CSP, IDE_HTML } from './graphiql.assets';

// A browser opening /graphql gets the IDE; every other request (POST, or GET with a query, or
// without text/html in Accept) goes on to Apollo.
export function registerGraphiql(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const url = request.url;
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    if (url === '/graphql' || url === '/graphql/') {
      if (!String(request.headers.accept ?? '').includes('text/html')) return;
      return reply
        .header('content-security-policy', IDE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(IDE_HTML);
    }
    if (url.startsWith(IDE_ASSET_PREFIX)) {
      const asset = graphiqlAsset(url.slice(IDE_ASSET_PREFIX.length).split('?')[0]);
      if (!asset) return;
      return reply
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=3600')
        .type(`${asset.type}; charset=utf-8`)
        .send(asset.body);
    }
  });
}
