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

// The answer to running a query before the Headers pane holds a key (nothing is sent).
export const NO_KEY_ANSWER =
  'No API key yet: put it in the Headers pane below, as {"authorization": "Bearer <your key>"} with <your key> replaced. Nothing was sent.';

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
// are not kept in the browser's storage (neither with the tabs nor in the query history). Until the
// Headers pane holds an authorization header (other than the template), nothing is sent: the
// schema is not fetched (GraphiQL's schema prop is null), the docs pane and the note above say
// where the key goes, and running a query answers that locally. When the headers change (and are
// JSON), a new fetcher makes GraphiQL load the schema again with them, so pasting a key is all it
// takes; once the schema loads, a refusal for a missing or wrong key left in the result pane is
// cleared.
const INIT_JS = `(function () {
  var url = window.location.origin + '/graphql';
  var TEMPLATE = ${JSON.stringify(HEADERS_TEMPLATE)};
  var NO_KEY = ${JSON.stringify(NO_KEY_ANSWER)};
  var QUERY = '# Switchyard: Docker networks over GraphQL\\n{\\n  networks {\\n    name\\n    driver\\n    ipam { config { subnet gateway } }\\n    containers { name ipv4Address aliases }\\n  }\\n}\\n';
  function parsed(text) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false };
    }
  }
  // An authorization header other than the template's placeholder (a wrong one is for the
  // service to answer).
  function hasKey(headers) {
    if (!headers || typeof headers !== 'object') return false;
    return Object.keys(headers).some(function (name) {
      var value = headers[name];
      return (
        name.toLowerCase() === 'authorization' &&
        typeof value === 'string' &&
        value.trim() !== '' &&
        !/^bearer$/i.test(value.trim()) &&
        value.indexOf('<your key>') === -1
      );
    });
  }
  // GraphiQL's fetcher sends an operation over graphql-ws when the editor's parsed document says it
  // is a subscription; run right after typing, that document may still be the one before (and the
  // subscription would go over HTTP, and be refused): the text sent decides.
  function isSubscription(query, name) {
    var text = String(query || '').replace(/#[^\\n]*/g, '');
    if (name) {
      var named = /\\bsubscription\\s+([_A-Za-z][_0-9A-Za-z]*)/g;
      for (var m = named.exec(text); m; m = named.exec(text)) if (m[1] === name) return true;
      return false;
    }
    return /^\\s*subscription\\b/.test(text);
  }
  function withOperationType(params, options) {
    if (!isSubscription(params.query, params.operationName)) return options;
    var name = params.operationName ? { kind: 'Name', value: params.operationName } : undefined;
    var operation = { kind: 'OperationDefinition', operation: 'subscription', name: name };
    return Object.assign({}, options, { documentAST: { kind: 'Document', definitions: [operation] } });
  }
  function newFetcher() {
    // Subscriptions go over graphql-ws on the same path; GraphiQL sends the Headers pane as the
    // connection params (authorization included).
    var inner = GraphiQL.createFetcher({ url: url, subscriptionUrl: url.replace(/^http/, 'ws') });
    return function (params, options) {
      if (!hasKey(options && options.headers))
        return Promise.resolve({ errors: [{ message: NO_KEY, extensions: { code: 'UNAUTHENTICATED' } }] });
      return inner(params, withOperationType(params, options));
    };
  }
  function showKeyState(keyed) {
    document.body.classList.toggle('no-key', !keyed);
  }
  // The result pane (CodeMirror 5 keeps its editor on its element).
  function resultEditor() {
    var element = document.querySelector('.graphiql-response .CodeMirror');
    return element && element.CodeMirror;
  }
  function clearStaleRefusal() {
    var editor = resultEditor();
    if (!editor) return;
    var text = editor.getValue();
    if (text.indexOf('UNAUTHENTICATED') !== -1 || text.indexOf(NO_KEY) !== -1) editor.setValue('');
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
    var keyedState = React.useState(false);
    var loadedWith = React.useRef(TEMPLATE);
    var timer = React.useRef(null);
    React.useEffect(function () {
      showKeyState(keyedState[0]);
    }, [keyedState[0]]);
    function onEditHeaders(text) {
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(function () {
        var headers = parsed(text);
        if (text === loadedWith.current || !headers.ok) return;
        loadedWith.current = text;
        keyedState[1](hasKey(headers.value));
        fetcherState[1](function () {
          return newFetcher();
        });
      }, 400);
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcherState[0],
      // null: no schema and no introspection until there is a key to send.
      schema: keyedState[0] ? undefined : null,
      onSchemaChange: clearStaleRefusal,
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
body.no-key .graphiql-doc-explorer-error { font-size: 0; }
body.no-key .graphiql-doc-explorer-error::after { font-size: 14px; content: "No schema yet: put your API key in the Headers pane below ({\\"authorization\\": \\"Bearer <your key>\\"}), and the schema loads here."; }
</style>
</head>
<body class="no-key">
<p id="key-hint">Your API key goes in the <strong>Headers</strong> pane below: replace <code>&lt;your key&gt;</code> in
<code>{"authorization": "Bearer &lt;your key&gt;"}</code>, and the schema loads (docs, autocompletion); nothing is
sent before that. The page never stores it. No key yet? The admin key is printed at the first start; an admin makes
others with <code>POST /api/v1/api-keys</code>. Lost the admin key? On the service's host:
<code>npm run key:admin -- --name &lt;name&gt;</code> (in the image:
<code>docker exec &lt;container&gt; node dist/cli/admin-key.js --name &lt;name&gt;</code>).</p>
<div id="graphiql">Loading the GraphQL IDE...</div>
<script src="${IDE_ASSET_PREFIX}react.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}react-dom.production.min.js"></script>
<script src="${IDE_ASSET_PREFIX}graphiql.min.js"></script>
<script src="${IDE_ASSET_PREFIX}init.js"></script>
</body>
</html>
`;
