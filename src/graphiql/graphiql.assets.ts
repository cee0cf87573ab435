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

// What the Headers pane starts with: the place of the key, never a key.
export const HEADERS_TEMPLATE = '{\n  "authorization": "Bearer <your key>"\n}';

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

// Starts GraphiQL against this service; a file of its own so that the page's CSP allows no inline
// script. The page holds no key: the Headers pane starts with a template to fill in, and headers
// are not kept in the browser's storage (neither with the tabs nor in the query history). When the
// headers change (and are JSON), a new fetcher makes GraphiQL load the schema again with them, so
// pasting a key is all it takes.
const INIT_JS = `(function () {
  var url = window.location.origin + '/graphql';
  var TEMPLATE = ${JSON.stringify(HEADERS_TEMPLATE)};
  var QUERY = '# Switchyard: Docker networks over GraphQL\\n{\\n  networks {\\n    name\\n    driver\\n    ipam { config { subnet gateway } }\\n    containers { name ipv4Address aliases }\\n  }\\n}\\n';
  function newFetcher() {
    return GraphiQL.createFetcher({ url: url });
  }
  function isJson(text) {
    try {
      JSON.parse(text);
      return true;
    } catch (e) {
      return false;
    }
  }
  // GraphiQL keeps its tabs, history and settings in localStorage; its query history would keep
  // the headers (the key) too: they are left out there, and stay in the page only.
  var HISTORY = /^graphiql:(queries|favorites)$/;
  function withoutHeaders(key, value) {
    if (!HISTORY.test(key)) return value;
    var stored = JSON.parse(value);
    Object.keys(stored).forEach(function (name) {
      (stored[name] || []).forEach(function (item) {
        delete item.headers;
      });
    });
    return JSON.stringify(stored);
  }
  function ownKeys() {
    return Object.keys(window.localStorage).filter(function (key) {
      return key.indexOf('graphiql:') === 0;
    });
  }
  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      window.localStorage.setItem(key, withoutHeaders(key, value));
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      ownKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return ownKeys().length;
    },
  };
  function Ide() {
    var fetcherState = React.useState(newFetcher);
    var loadedWith = React.useRef(TEMPLATE);
    var timer = React.useRef(null);
    function onEditHeaders(text) {
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(function () {
        if (text === loadedWith.current || !isJson(text)) return;
        loadedWith.current = text;
        fetcherState[1](function () {
          return newFetcher();
        });
      }, 400);
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcherState[0],
      defaultHeaders: TEMPLATE,
      shouldPersistHeaders: false,
      storage: storage,
      defaultEditorToolsVisibility: 'headers',
      onEditHeaders: onEditHeaders,
      defaultQuery: QUERY,
    });
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(Ide));
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
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
#key-hint { margin: 0; padding: 6px 12px; font: 14px/1.4 system-ui, sans-serif; background: #fff8d6; border-bottom: 1px solid #e6d88a; }
#key-hint code { font-size: 13px; }
#graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<p id="key-hint">Your API key goes in the <strong>Headers</strong> pane below: replace <code>&lt;your key&gt;</code> in
<code>{"authorization": "Bearer &lt;your key&gt;"}</code>, and the schema loads (docs, autocompletion).
The page never stores it. No key yet? The admin key is printed at the first start; an admin makes others with
<code>POST /api/v1/api-keys</code>.</p>
<div id="graphiql">Loading the GraphQL IDE...</div>
<script src="${IDE_ASSET_PREFIX}react.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}react-dom.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}graphiql.min.js"></script>
<script src="${IDE_ASSET_PREFIX}init.js"></script>
</body>
</html>
`;
