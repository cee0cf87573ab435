import type { FastifyInstance, FastifyReply } from 'fastify';
import { UI_ASSET_PREFIX, UI_CSP, UI_HTML, UI_PATH, uiAsset } from './ui.assets';

// Headers every answer of the page carries: it is never framed by another site, never sniffed into
// another type, and sends no referrer.
function guard(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'SAMEORIGIN');
}

// /ui and its two files are answered here, before the request gate: the page itself is public (it
// holds no data and no key); everything it shows comes from API calls that carry the person's key.
export function registerUi(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0];
    if (path === UI_PATH || path === `${UI_PATH}/`) {
      return guard(reply)
        .header('content-security-policy', UI_CSP)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(UI_HTML);
    }
    if (path.startsWith(UI_ASSET_PREFIX)) {
      const asset = uiAsset(path.slice(UI_ASSET_PREFIX.length));
      if (!asset) return;
      return guard(reply)
        .header('cache-control', 'no-cache')
        .type(`${asset.type}; charset=utf-8`)
        .send(asset.body);
    }
  });
}
