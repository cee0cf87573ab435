import { UI_CLIENT_JS } from './ui.client';

// The /ui page (issue 13, "a page for people"): hand-written HTML, CSS and JavaScript served by the
// service itself, nothing from a CDN (these machines, and many users', are offline) and no build
// step. The page holds no key until the person pastes one; the script keeps it in sessionStorage.

export const UI_PATH = '/ui';
export const UI_ASSET_PREFIX = '/ui/assets/';

// Strict: scripts and styles only from the service's own files (the inlined SVG's styles go through
// the CSSOM, which CSP does not govern), requests only to the service itself, no framing by others.
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

// The dark palette: chosen with the toggle, or the system's scheme until the script has chosen.
const DARK_PALETTE = `
  color-scheme: dark;
  --bg: #12161d;
  --panel: #1b212b;
  --text: #e3e8f0;
  --muted: #9aa5b6;
  --line: #323b49;
  --accent: #7fb0ff;
  --focus: #ffb347;
  --good: #5fd38d;
  --bad: #ff8a80;
  --warn-bg: #3a2a12;
`;

const UI_CSS = `:root {
  color-scheme: light;
  --bg: #f6f7f9;
  --panel: #ffffff;
  --text: #1c2330;
  --muted: #5b6576;
  --line: #d5dae3;
  --accent: #1f5fbf;
  --focus: #e08a00;
  --good: #17703a;
  --bad: #b3261e;
  --warn-bg: #fff4e5;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
}
/* Dark: chosen with the toggle, or the system's scheme until the script has chosen. */
:root[data-theme='dark'] {
${DARK_PALETTE}}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme]) {
${DARK_PALETTE}  }
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; background: var(--bg); color: var(--text); }
body { display: flex; flex-direction: column; }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 8px 16px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0 8px 0 0; }
header .spacer { flex: 1; }
#filters { display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; }
#filters select { max-width: 220px; }
#label-filter { width: 200px; }
label { color: var(--muted); }
button, select, input { font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 4px 10px; }
button { cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: 0.5; cursor: default; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
#live { font-size: 12px; padding: 2px 8px; border-radius: 10px; border: 1px solid var(--line); }
#live[data-state='live'] { color: var(--good); border-color: var(--good); }
#live[data-state='reconnecting'] { color: var(--bad); border-color: var(--bad); }
#error { margin: 0; padding: 8px 16px; background: var(--warn-bg); color: var(--bad); border-bottom: 1px solid var(--line); }
main { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr) 380px; }
#graph-area { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.toolbar { display: flex; gap: 6px; align-items: center; padding: 6px 12px; border-bottom: 1px solid var(--line);
  color: var(--muted); font-size: 12px; }
.toolbar .spacer { flex: 1; }
#graph { flex: 1; overflow: auto; padding: 8px; cursor: grab; touch-action: none; }
#graph.panning { cursor: grabbing; }
#graph svg { display: block; max-width: none; }
#graph g.node { cursor: pointer; }
#graph g.node:focus { outline: none; }
/* The renderer's node shape is .shape: the focus ring and the selection are drawn on it. */
#graph g.node:focus-visible .shape { stroke: var(--focus); stroke-width: 4px; }
#graph g.node.selected .shape { stroke: var(--accent); stroke-width: 4px; }
#graph g.expectation:focus-visible .arc { stroke: var(--focus); stroke-width: 4px; }
#graph g.expectation:focus { outline: none; }
/* A graph too large to draw: its nodes as a list. */
.node-list h3 { font-size: 14px; margin: 8px 0 4px; }
.node-list ul { list-style: none; margin: 0 0 8px; padding: 0; }
.node-list li { padding: 2px 0; border-bottom: 1px solid var(--line); }
.node-list button { padding: 0 6px; }
.node-list button.list-node { border-color: transparent; background: none; color: var(--accent); text-decoration: underline; }
.node-list button.list-node.selected { border-color: var(--accent); }
.node-list button.draw-network { margin-left: 8px; font-size: 12px; }
#graph:has(.node-list) { cursor: auto; }
aside { overflow: auto; padding: 12px 16px; background: var(--panel); border-left: 1px solid var(--line); }
aside h2 { font-size: 15px; margin: 12px 0 6px; overflow-wrap: anywhere; }
aside section + section { border-top: 1px solid var(--line); margin-top: 12px; }
.hint { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 10px; margin: 6px 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: break-word; }
dd.id { word-break: break-all; }
table.edges { width: 100%; border-collapse: collapse; margin: 8px 0; font-size: 12px; }
table.edges caption { text-align: left; color: var(--muted); }
table.edges th, table.edges td { text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--line); }
/* Addresses and MACs stay whole (the panel scrolls sideways if it must); aliases wrap. */
table.edges td { white-space: nowrap; }
table.edges td:last-child { white-space: normal; overflow-wrap: anywhere; }
#graph.stale { opacity: 0.45; }
table.edges th { white-space: nowrap; }
.actions { display: flex; gap: 8px; margin: 8px 0; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
#expectations { list-style: none; padding: 0; margin: 6px 0; }
.expectation { padding: 4px 0; border-bottom: 1px solid var(--line); }
.expectation .badge { display: inline-block; min-width: 72px; text-align: center; font-size: 12px; border-radius: 10px;
  padding: 0 6px; border: 1px solid currentColor; }
.expectation.passed .badge { color: var(--good); }
.expectation.failed .badge { color: var(--bad); }
.expectation.unchecked .badge { color: var(--muted); }
.expectation .why, .expectation .when { color: var(--muted); font-size: 12px; }
dialog { background: var(--panel); color: var(--text); border: 1px solid var(--line); border-radius: 8px; max-width: 520px; }
dialog::backdrop { background: rgba(0, 0, 0, 0.45); }
dialog input { width: 100%; margin: 8px 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 900px) {
  main { grid-template-columns: 1fr; grid-template-rows: minmax(300px, 1fr) auto; }
  aside { border-left: 0; border-top: 1px solid var(--line); }
}
`;

export const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Switchyard topology</title>
<link rel="stylesheet" href="${UI_ASSET_PREFIX}ui.css">
<script src="${UI_ASSET_PREFIX}ui.js" defer></script>
</head>
<body>
<header>
  <h1>Switchyard topology</h1>
  <form id="filters" role="search" aria-label="Filters">
    <label for="template">Template</label>
    <select id="template" aria-describedby="template-hint"><option value="">Everything (no template)</option></select>
    <span id="template-hint" class="visually-hidden">A template draws only its objects, with its expectations' last results.</span>
    <label for="network">Network</label>
    <select id="network" aria-describedby="network-hint"><option value="">All networks</option></select>
    <span id="network-hint" class="visually-hidden">A network draws only it and the containers on it.</span>
    <label for="label-filter">Labels</label>
    <input id="label-filter" type="text" autocomplete="off" spellcheck="false" placeholder="key or key=value, ..." aria-describedby="label-hint">
    <span id="label-hint" class="visually-hidden">Only the networks and containers that carry every label; separate several with commas; Enter applies.</span>
    <button type="submit" id="apply-filters">Apply</button>
    <button type="button" id="clear-filters">Clear filters</button>
  </form>
  <span class="spacer"></span>
  <span id="live" role="status" data-state="connecting">Connecting</span>
  <button type="button" id="theme-toggle" aria-pressed="false">Dark mode</button>
  <button type="button" id="change-key">Change key</button>
</header>
<p id="error" role="alert" hidden></p>
<main>
  <section id="graph-area" aria-label="Topology graph">
    <div class="toolbar" role="toolbar" aria-label="Zoom">
      <button type="button" id="zoom-out" aria-label="Zoom out">&minus;</button>
      <span id="zoom-level" aria-live="polite">100%</span>
      <button type="button" id="zoom-in" aria-label="Zoom in">+</button>
      <button type="button" id="zoom-fit">Fit width</button>
      <span class="spacer"></span>
      <span>Last change: <span id="last-event">none yet</span></span>
      <span id="updated"></span>
    </div>
    <div id="graph" aria-describedby="graph-help"></div>
    <p id="graph-help" class="visually-hidden">Tab moves between networks and containers; Enter or Space shows the details of the focused one; plus and minus zoom.</p>
  </section>
  <aside aria-label="Details">
    <section aria-live="polite" aria-labelledby="details-heading">
      <h2 id="details-heading" class="visually-hidden">Details</h2>
      <div id="details"></div>
    </section>
    <section aria-labelledby="ping-heading">
      <h2 id="ping-heading">Ping</h2>
      <dl>
        <dt>From</dt><dd id="ping-from-name"></dd>
        <dt>To</dt><dd id="ping-to-name"></dd>
      </dl>
      <div class="actions">
        <button type="button" id="ping-run">Ping</button>
        <button type="button" id="ping-clear">Clear</button>
      </div>
      <div id="ping-result" aria-live="polite"></div>
    </section>
    <section id="expectations-section" aria-labelledby="expectations-heading" hidden>
      <h2 id="expectations-heading">Expectations (last deployment)</h2>
      <ul id="expectations"></ul>
    </section>
  </aside>
</main>
<dialog id="key-dialog" aria-labelledby="key-title">
  <form id="key-form">
    <h2 id="key-title">API key</h2>
    <p id="key-message"></p>
    <label for="key-input">Key (kept for this tab only, never in localStorage)</label>
    <input id="key-input" type="password" autocomplete="off" spellcheck="false" placeholder="sy_..." required>
    <p class="hint">Lost it? <code>npm run key:admin -- --name &lt;name&gt;</code> on the service's host makes another.</p>
    <button type="submit" id="key-submit">Use this key</button>
    <button type="button" id="key-cancel" hidden>Cancel</button>
  </form>
</dialog>
</body>
</html>
`;

const ASSETS: Record<string, { body: Buffer; type: string }> = {
  'ui.js': { body: Buffer.from(UI_CLIENT_JS), type: 'text/javascript' },
  'ui.css': { body: Buffer.from(UI_CSS), type: 'text/css' },
};

// One of the page's files by name, or null: only these can be fetched.
export function uiAsset(name: string): { body: Buffer; type: string } | null {
  return Object.hasOwn(ASSETS, name) ? ASSETS[name] : null;
}
