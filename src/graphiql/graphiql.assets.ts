import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The IDE is served from node_modules, never a CDN: these machines (and many users') are offline.
// Only these files can be fetched; package folders are found through their package.json because
// `exports` blocks deep imports.
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

interface Asset {
  path: () => string;
  type: string;
}

const ASSETS: Record<string, Asset> = {
  'react.production.min.js': {
    path: () => join(packageDir('react'), 'umd', 'react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.production.min.js': {
    path: () => join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
    type: 'text/javascript',
  },
  'graphiql.min.js': { path: () => join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { path: () => join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

// Starts GraphiQL against this service; a file of its own so that the page's CSP allows no inline script.
const INIT_JS = `(function () {
  var http = window.location.origin + '/graphql';
  var stored = window.localStorage.getItem('switchyard:authorization');
  var fetcher = GraphiQL.createFetcher({
    url: http,
    subscriptionUrl: http.replace(/^http/, 'ws'),
    headers: stored ? { authorization: stored } : {},
    wsConnectionParams: stored ? { authorization: stored } : {},
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: '# Switchyard: Docker networks over GraphQL\\n{\\n  networks {\\n    name\\n    driver\\n    ipam { config { subnet gateway } }\\n    containers { name ipv4Address aliases }\\n  }\\n}\\n',
    }),
  );
})();
`;

const cache = new Map<string, Buffer>();

export function graphiqlAsset(name: string): { body: Buffer; type: string } | null {
  if (name === 'init.js') return { body: Buffer.from(INIT_JS), type: 'text/javascript' };
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return null;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(asset.path());
    cache.set(name, body);
  }
  return { body, type: asset.type };
}

export const IDE_ASSET_PREFIX = '/graphql/ide/';

export const IDE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

export const IDE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard GraphQL</title>
<link rel="stylesheet" href="${IDE_ASSET_PREFIX}graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the GraphQL IDE...</div>
<script src="${IDE_ASSET_PREFIX}react.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}react-dom.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}graphiql.min.js"></script>
<script src="${IDE_ASSET_PREFIX}init.js"></script>
</body>
</html>
`;
