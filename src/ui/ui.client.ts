// The /ui page's script: plain browser JavaScript with no build step and no dependency, served as
// a file of its own so that the page's CSP allows no inline script. It is kept as text here (not
// compiled) so that what the browser runs is exactly what is reviewed; String.raw keeps its
// backslashes, and it uses no backticks or template placeholders. test/unit/ui-page.spec.ts
// compiles it to catch syntax errors.
//
// What it does:
// - The API key is asked for once and kept in sessionStorage (gone with the tab), never in
//   localStorage; every request sends it as `Authorization: Bearer`. A 401 forgets it and asks again.
// - The graph: GET /api/v1/topology?format=svg (drawn by the service, inlined here so that its nodes
//   can be clicked and focused) and ?format=json (the details), read again on every network or
//   container event of GET /api/v1/events (debounced, one read in flight at a time).
// - The event stream is read with fetch() (EventSource cannot send the key): a small SSE parser,
//   Last-Event-ID on reconnect, `event: end` handled by its code, reconnects with backoff.
// - The inlined SVG's own styles are moved into a constructed stylesheet scoped to the graph and its
//   style attributes into the CSSOM: the page's CSP needs no 'unsafe-inline' for styles.
// The page's pure helpers (no DOM, no fetch), a script of their own before the page's: the filters
// kept in the URL's hash, the topology request's query, and the SVG's <style> elements renamed
// before parsing. test/unit/ui-page.spec.ts runs them in a bare VM context.
export const UI_HELPERS_JS = String.raw`var switchyardUi = (function () {
  'use strict';

  // The API's limits on repeated filters (GET /api/v1/topology: at most 16 labels).
  var MAX_LABELS = 16;

  function decode(text) {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch (e) {
      return null;
    }
  }

  // "key, key=value" as typed in the label box: one filter per comma, blanks and repeats dropped.
  function parseLabels(text) {
    var seen = [];
    String(text || '')
      .split(',')
      .forEach(function (part) {
        var label = part.trim();
        if (label && seen.indexOf(label) < 0 && seen.length < MAX_LABELS) seen.push(label);
      });
    return seen;
  }

  // The filters in a hash such as #template=t&network=demo&label=team&label=tier%3Dweb (what the page
  // writes; a person may type or share one): unknown names and bad percent-encoding are ignored.
  function readFilters(hash) {
    var filters = { template: '', network: '', labels: [] };
    String(hash || '')
      .replace(/^#/, '')
      .split('&')
      .forEach(function (pair) {
        if (!pair) return;
        var equals = pair.indexOf('=');
        var name = decode(equals < 0 ? pair : pair.slice(0, equals));
        var value = decode(equals < 0 ? '' : pair.slice(equals + 1));
        if (value == null || !value.trim()) return;
        if (name === 'template') filters.template = value;
        else if (name === 'network') filters.network = value;
        else if (name === 'label' && filters.labels.indexOf(value) < 0 && filters.labels.length < MAX_LABELS)
          filters.labels.push(value);
      });
    return filters;
  }

  function filterPairs(filters) {
    var pairs = [];
    if (filters.template) pairs.push('template=' + encodeURIComponent(filters.template));
    if (filters.network) pairs.push('network=' + encodeURIComponent(filters.network));
    (filters.labels || []).forEach(function (label) {
      pairs.push('label=' + encodeURIComponent(label));
    });
    return pairs;
  }

  // The hash for the filters ('' when there is none).
  function filtersHash(filters) {
    var pairs = filterPairs(filters);
    return pairs.length ? '#' + pairs.join('&') : '';
  }

  // GET /api/v1/topology with the filters: the same for the svg and the json request.
  function topologyPath(format, filters) {
    return '/api/v1/topology?' + ['format=' + encodeURIComponent(format)].concat(filterPairs(filters)).join('&');
  }

  // Parsing an SVG that holds <style> elements applies them as inline styles of the parsed document,
  // which inherits the page's CSP (style-src 'self'): the browser reports a violation. Renamed, they
  // are inert elements whose text the page moves into its own stylesheet (adoptStyles). A "<" in XML
  // text is always escaped, so "<style" is a tag (or sits in a comment or CDATA, where renaming it
  // changes nothing that is shown).
  function renameStyles(svgText) {
    return String(svgText).replace(/<(\/?)style(?=[\s>\/])/g, '<$1sy-style');
  }

  return {
    parseLabels: parseLabels,
    readFilters: readFilters,
    filtersHash: filtersHash,
    topologyPath: topologyPath,
    renameStyles: renameStyles,
  };
})();
`;

export const UI_CLIENT_JS =
  UI_HELPERS_JS +
  String.raw`(function () {
  'use strict';

  var KEY_ITEM = 'switchyard.ui.key';
  var THEME_ITEM = 'switchyard.ui.theme';
  // Container actions that change nothing the graph shows (exec and attach come with every ping).
  var QUIET_ACTIONS = /^(exec_|attach|detach|resize|top|copy|export|commit|archive-path|extract-to-dir|checkpoint)/;
  var REFRESH_DELAY_MS = 200;
  var BACKOFF_FIRST_MS = 500;
  var BACKOFF_MAX_MS = 15000;
  var ZOOM_STEP = 1.25;

  var state = {
    key: null,
    graph: null,
    selected: null,
    // The filters (kept in the URL's hash): a template's name, a network (name, or id when names
    // repeat) and labels; GET /api/v1/topology takes all three, for the picture and the details.
    template: '',
    network: '',
    labels: [],
    // The last picture was refused as too large (TOPOLOGY_TOO_LARGE): the nodes are listed instead.
    tooLarge: false,
    pingFrom: null,
    pingTo: null,
    zoom: 1,
    // Until the person zooms, every redraw fits the graph to the view.
    fit: true,
    svgSize: null,
    // Whether the service takes the theme parameter (it is dropped after a refusal).
    themeParam: true,
    refreshTimer: null,
    inFlight: false,
    dirty: false,
    stream: null,
    lastEventId: null,
    backoffMs: BACKOFF_FIRST_MS,
    reconnectTimer: null,
    sheet: null,
    templateNames: null,
    networkOptions: null,
    networks: null,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (name === 'text') node.textContent = attrs[name];
        else if (name === 'className') node.className = attrs[name];
        else node.setAttribute(name, attrs[name]);
      });
    }
    (children || []).forEach(function (child) {
      if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  // ---- the key ----------------------------------------------------------------------------------

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_ITEM);
    } catch (e) {
      return null;
    }
  }

  function keepKey(key) {
    state.key = key;
    try {
      if (key) sessionStorage.setItem(KEY_ITEM, key);
      else sessionStorage.removeItem(KEY_ITEM);
    } catch (e) {
      // Storage refused (private mode): the key stays in memory only.
    }
  }

  // keepCurrent: "Change key" while a key works; the dialog can then be cancelled (Escape or Cancel)
  // and the page goes on with the key it has.
  function askKey(message, keepCurrent) {
    if (!keepCurrent) {
      keepKey(null);
      stopStream();
    }
    $('key-cancel').hidden = !keepCurrent;
    $('key-message').textContent = message || 'Paste an API key (any role; pings need operator or admin).';
    var dialog = $('key-dialog');
    if (!dialog.open) dialog.showModal();
    $('key-input').focus();
  }

  function onKeySubmit(event) {
    event.preventDefault();
    var key = $('key-input').value.trim();
    if (!key) {
      $('key-message').textContent = 'The key is empty: paste the key the service printed (sy_...).';
      return;
    }
    $('key-input').value = '';
    keepKey(key);
    $('key-dialog').close();
    start();
  }

  // ---- requests -----------------------------------------------------------------------------------

  function Problem(status, body) {
    this.status = status;
    this.code = (body && body.code) || 'HTTP_' + status;
    this.title = (body && body.title) || 'Request failed';
    this.detail = (body && body.detail) || 'The service answered ' + status + '.';
    this.requestId = (body && body.requestId) || null;
    this.context = (body && body.context) || null;
    this.retryAfter = null;
  }

  async function problemOf(response) {
    var body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    var problem = new Problem(response.status, body);
    var retry = Number(response.headers.get('retry-after'));
    if (retry > 0) problem.retryAfter = Math.min(retry, 60);
    return problem;
  }

  // A request with the key; a 401 forgets the key and asks for it again.
  async function request(path, init) {
    if (!state.key) throw new Problem(401, { code: 'UNAUTHENTICATED', detail: 'No API key yet.' });
    init = init || {};
    var headers = Object.assign({ authorization: 'Bearer ' + state.key }, init.headers || {});
    var used = state.key;
    var response = await fetch(path, Object.assign({}, init, { headers: headers, cache: 'no-store' }));
    if (response.status === 401) {
      var problem = await problemOf(response);
      // A refusal of a key already replaced says nothing about the new one.
      if (state.key === used) askKey(problem.detail);
      throw problem;
    }
    return response;
  }

  async function json(path, init) {
    var response = await request(path, init);
    if (!response.ok) throw await problemOf(response);
    return response.json();
  }

  function showError(error) {
    var box = $('error');
    if (!error) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    if (error instanceof Problem && error.status === 401) return;
    var text =
      error instanceof Problem
        ? error.title + ': ' + error.detail + ' (' + error.code + (error.requestId ? ', request ' + error.requestId : '') + ')'
        : 'Something went wrong in this page: ' + (error && error.message ? error.message : String(error));
    // The service's text names the query parameter; the page's control for it is the picker.
    if (error instanceof Problem && error.code === 'NETWORK_NOT_FOUND' && state.network)
      text += ' Pick another network above, or "All networks".';
    box.textContent = text;
    box.hidden = false;
  }

  // ---- theme -------------------------------------------------------------------------------------

  function systemTheme() {
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  function currentTheme() {
    return document.documentElement.getAttribute('data-theme') || systemTheme();
  }

  function applyTheme(theme, remember) {
    document.documentElement.setAttribute('data-theme', theme);
    var button = $('theme-toggle');
    button.setAttribute('aria-pressed', theme === 'dark' ? 'true' : 'false');
    button.textContent = theme === 'dark' ? 'Light mode' : 'Dark mode';
    if (remember) {
      try {
        localStorage.setItem(THEME_ITEM, theme);
      } catch (e) {
        // Not kept: the system's scheme applies next time.
      }
    }
  }

  function initialTheme() {
    var kept = null;
    try {
      kept = localStorage.getItem(THEME_ITEM);
    } catch (e) {
      kept = null;
    }
    return kept === 'dark' || kept === 'light' ? kept : systemTheme();
  }

  // ---- the graph ---------------------------------------------------------------------------------

  function filters() {
    return { template: state.template, network: state.network, labels: state.labels };
  }

  function topologyQuery(format) {
    return switchyardUi.topologyPath(format, filters());
  }

  async function fetchSvg() {
    if (state.themeParam) {
      var response = await request(topologyQuery('svg') + '&theme=' + currentTheme());
      if (response.ok) return response.text();
      var problem = await problemOf(response);
      // A service without the theme parameter: ask without it from now on.
      if (response.status !== 400 || problem.code !== 'VALIDATION_FAILED') throw problem;
      state.themeParam = false;
    }
    var plain = await request(topologyQuery('svg'));
    if (!plain.ok) throw await problemOf(plain);
    return plain.text();
  }

  function scheduleRefresh(delay) {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(runRefresh, delay == null ? REFRESH_DELAY_MS : delay);
  }

  async function runRefresh() {
    if (!state.key) return;
    if (state.inFlight) {
      state.dirty = true;
      return;
    }
    state.inFlight = true;
    state.dirty = false;
    try {
      var both = await Promise.all([
        json(topologyQuery('json')),
        // A picture refused as too large still leaves the JSON (which has no cap) to list.
        fetchSvg().catch(function (error) {
          if (error instanceof Problem && error.code === 'TOPOLOGY_TOO_LARGE') return error;
          throw error;
        }),
        // The pickers' lists are no reason to leave the graph undrawn.
        loadTemplates().catch(function () {
          return null;
        }),
        loadNetworks().catch(function () {
          return null;
        }),
      ]);
      state.graph = both[0];
      if (both[1] instanceof Problem) drawTooLarge(both[1]);
      else {
        drawSvg(both[1]);
        state.tooLarge = false;
        showError(null);
      }
      renderDetails();
      renderExpectations();
      $('updated').textContent = 'Read ' + new Date(state.graph.generatedAt || Date.now()).toLocaleTimeString();
      $('graph').classList.remove('stale');
    } catch (error) {
      if (error instanceof Problem && error.code === 'TOPOLOGY_BUSY') {
        // The service draws one picture at a time for everyone: this page waits its turn and asks
        // again by itself, after the time the service names.
        var seconds = error.retryAfter || 1;
        showError(null);
        $('error').textContent =
          'The service is busy drawing other pictures; this page asks again in ' + seconds + ' s.';
        $('error').hidden = false;
        scheduleRefresh(seconds * 1000);
      } else showError(error);
      // What is drawn is what the last good read saw: dimmed and said so, not shown as current.
      if (state.graph && !(error instanceof Problem && error.status === 401)) {
        $('graph').classList.add('stale');
        $('updated').textContent =
          'Stale: as read at ' + new Date(state.graph.generatedAt || Date.now()).toLocaleTimeString() + ' (the last read failed)';
      }
    } finally {
      state.inFlight = false;
      if (state.dirty) scheduleRefresh(0);
    }
  }

  // The SVG comes from the service; still, nothing in it may run: scripts, foreign content, event
  // handler attributes and script URLs are dropped before it joins the page.
  function sanitize(root) {
    var drop = root.querySelectorAll('script, foreignObject, iframe, object, embed');
    Array.prototype.forEach.call(drop, function (node) {
      node.remove();
    });
    var all = [root].concat(Array.prototype.slice.call(root.querySelectorAll('*')));
    all.forEach(function (node) {
      Array.prototype.slice.call(node.attributes).forEach(function (attr) {
        var name = attr.name.toLowerCase();
        if (name.indexOf('on') === 0) node.removeAttribute(attr.name);
        else if ((name === 'href' || name === 'xlink:href') && /^\s*javascript:/i.test(attr.value))
          node.removeAttribute(attr.name);
      });
    });
  }

  // The SVG's <style> elements become one constructed stylesheet scoped to the graph, and its style
  // attributes CSSOM styles: both apply under a CSP without 'unsafe-inline'.
  function adoptStyles(svg) {
    var css = [];
    Array.prototype.forEach.call(svg.querySelectorAll('style, sy-style'), function (node) {
      css.push(node.textContent || '');
      node.remove();
    });
    if (!state.sheet) {
      state.sheet = new CSSStyleSheet();
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([state.sheet]);
    }
    state.sheet.replaceSync('@scope (#graph) {\n' + css.join('\n') + '\n}');
    var styled = [];
    Array.prototype.forEach.call(svg.querySelectorAll('[style]'), function (node) {
      styled.push([node, node.getAttribute('style')]);
      node.removeAttribute('style');
    });
    if (svg.hasAttribute('style')) {
      styled.push([svg, svg.getAttribute('style')]);
      svg.removeAttribute('style');
    }
    return styled;
  }

  function svgSizeOf(svg) {
    var width = parseFloat(svg.getAttribute('width'));
    var height = parseFloat(svg.getAttribute('height'));
    var box = (svg.getAttribute('viewBox') || '').split(/[\s,]+/).map(Number);
    if (!(width > 0) && box.length === 4) width = box[2];
    if (!(height > 0) && box.length === 4) height = box[3];
    if (box.length !== 4 && width > 0 && height > 0) svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    return { width: width > 0 ? width : 800, height: height > 0 ? height : 600 };
  }

  function nodeLabel(node) {
    var words = [node.getAttribute('data-kind') || 'node', node.getAttribute('data-name') || ''];
    var data = state.graph && findNode(node.getAttribute('data-id'));
    if (data && data.driver) words.push('driver ' + data.driver);
    if (node.getAttribute('data-state')) words.push('state ' + node.getAttribute('data-state'));
    return words.join(', ') + '. Enter shows its details.';
  }

  function drawSvg(text) {
    // Its <style> elements renamed first: parsed as they are, they break the page's CSP.
    var doc = new DOMParser().parseFromString(switchyardUi.renameStyles(text), 'image/svg+xml');
    var parsed = doc.documentElement;
    if (!parsed || parsed.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length)
      throw new Error('the service sent an SVG this page cannot read');
    sanitize(parsed);
    var styled = adoptStyles(parsed);
    var host = $('graph');
    var focused = document.activeElement && host.contains(document.activeElement)
      ? document.activeElement.getAttribute('data-id')
      : null;
    var svg = document.importNode(parsed, true);
    // The imported copies of the styled nodes are found by their place in the tree.
    var originals = [parsed].concat(Array.prototype.slice.call(parsed.querySelectorAll('*')));
    var copies = [svg].concat(Array.prototype.slice.call(svg.querySelectorAll('*')));
    styled.forEach(function (pair) {
      var copy = copies[originals.indexOf(pair[0])];
      if (copy) copy.style.cssText = pair[1];
    });
    state.svgSize = svgSizeOf(svg);
    svg.setAttribute('role', 'group');
    svg.setAttribute('aria-label', 'Topology: ' + (state.graph ? state.graph.nodes.length : 0) + ' nodes');
    svg.setAttribute('focusable', 'false');
    Array.prototype.forEach.call(svg.querySelectorAll('g.node'), function (node) {
      if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '0');
      node.setAttribute('role', 'button');
      node.setAttribute('aria-label', nodeLabel(node));
      var selected = node.getAttribute('data-id') === state.selected;
      node.classList.toggle('selected', selected);
      node.setAttribute('aria-pressed', selected ? 'true' : 'false');
    });
    host.replaceChildren(svg);
    if (state.fit) zoomToFit();
    else applyZoom();
    if (focused) {
      var again = host.querySelector('g.node[data-id="' + CSS.escape(focused) + '"]');
      if (again) again.focus({ preventScroll: true });
    }
  }

  // More nodes than the service draws (TOPOLOGY_TOO_LARGE): the page says so in its own words, puts
  // the focus on the filters that narrow it, and lists every node from the JSON answer (which has no
  // cap), so that details and pings still work. The service's text names query parameters a person
  // on this page does not type.
  function drawTooLarge(problem) {
    var first = !state.tooLarge;
    state.tooLarge = true;
    state.svgSize = null;
    var max = problem.context && problem.context.max;
    var box = $('error');
    box.textContent =
      'Too many to draw: ' + state.graph.nodes.length + ' networks and containers' +
      (max ? ', and the picture stops at ' + max : '') +
      '. Pick a network or type a label above (or pick a template) to draw part of them; all of them are listed below. (' +
      problem.code + ')';
    box.hidden = false;
    var host = $('graph');
    var focused = document.activeElement && host.contains(document.activeElement) ? document.activeElement.id : null;
    host.replaceChildren(nodeList());
    $('zoom-level').textContent = '';
    if (focused && $(focused)) $(focused).focus({ preventScroll: true });
    else if (first) $('network').focus();
  }

  // At most this many of each kind are listed (the rest are counted): a page of thousands of rows
  // helps nobody, and the filters narrow it.
  var LIST_MAX = 1000;

  function nodeList() {
    var nodes = state.graph.nodes;
    var names = {};
    nodes.forEach(function (node) {
      names[node.id] = node.name;
    });
    var onNetwork = {};
    var networksOf = {};
    state.graph.edges.forEach(function (edge) {
      onNetwork[edge.to] = (onNetwork[edge.to] || 0) + 1;
      (networksOf[edge.from] = networksOf[edge.from] || []).push(names[edge.to] || '?');
    });
    var networks = nodes.filter(function (node) {
      return node.kind === 'network';
    });
    var containers = nodes.filter(function (node) {
      return node.kind === 'container';
    });
    return el('div', { className: 'node-list' }, [
      listSection('Networks', networks, function (node) {
        var count = onNetwork[node.id] || 0;
        return node.driver + ', ' + count + (count === 1 ? ' container' : ' containers');
      }),
      listSection('Containers', containers, function (node) {
        var on = networksOf[node.id] || [];
        return node.state + (on.length ? ', on ' + on.join(', ') : ', on no network');
      }),
    ]);
  }

  function listSection(title, nodes, describe) {
    var items = nodes.slice(0, LIST_MAX).map(function (node) {
      var entry = el('li', null, [
        el('button', {
          type: 'button',
          className: 'list-node' + (node.id === state.selected ? ' selected' : ''),
          id: 'list-' + node.id,
          'data-id': node.id,
          'aria-pressed': node.id === state.selected ? 'true' : 'false',
          text: node.name,
        }),
        ' ',
        el('span', { className: 'hint', text: describe(node) }),
      ]);
      if (node.kind === 'network')
        entry.appendChild(
          el('button', { type: 'button', className: 'draw-network', 'data-network': networkValue(node), text: 'Draw this network' }),
        );
      return entry;
    });
    var rest = nodes.length - items.length;
    return el('section', { 'aria-label': title }, [
      el('h3', { text: title + ' (' + nodes.length + ')' }),
      el('ul', null, items),
      rest > 0 ? el('p', { className: 'hint', text: 'And ' + rest + ' more: narrow them with the filters above.' }) : null,
    ]);
  }

  function applyZoom() {
    var svg = $('graph').querySelector('svg');
    if (!svg || !state.svgSize) return;
    svg.setAttribute('width', String(Math.round(state.svgSize.width * state.zoom)));
    svg.setAttribute('height', String(Math.round(state.svgSize.height * state.zoom)));
    $('zoom-level').textContent = Math.round(state.zoom * 100) + '%';
  }

  function zoomBy(factor) {
    state.fit = false;
    state.zoom = Math.min(4, Math.max(0.1, state.zoom * factor));
    applyZoom();
  }

  // Fits the graph's width to the view (a tall graph then scrolls down, its text still readable).
  function zoomToFit() {
    if (!state.svgSize) return;
    var fit = ($('graph').clientWidth - 24) / state.svgSize.width;
    // A small graph grows a little, a wide one shrinks only so far (then the view scrolls).
    state.zoom = Math.min(1.5, Math.max(0.25, fit));
    applyZoom();
  }

  // Dragging the background scrolls the graph (the scrollbars and the keyboard do too).
  function enablePan(host) {
    var drag = null;
    host.addEventListener('pointerdown', function (event) {
      // Not on a node, nor on the list of a graph too large to draw (its buttons take the click).
      if (event.button !== 0 || event.target.closest('g.node, .node-list')) return;
      drag = { x: event.clientX, y: event.clientY, left: host.scrollLeft, top: host.scrollTop };
      host.setPointerCapture(event.pointerId);
      host.classList.add('panning');
    });
    host.addEventListener('pointermove', function (event) {
      if (!drag) return;
      host.scrollLeft = drag.left - (event.clientX - drag.x);
      host.scrollTop = drag.top - (event.clientY - drag.y);
    });
    function stop() {
      drag = null;
      host.classList.remove('panning');
    }
    host.addEventListener('pointerup', stop);
    host.addEventListener('pointercancel', stop);
  }

  // ---- details -------------------------------------------------------------------------------------

  function findNode(id) {
    if (!state.graph) return null;
    for (var i = 0; i < state.graph.nodes.length; i++) if (state.graph.nodes[i].id === id) return state.graph.nodes[i];
    return null;
  }

  function engineId(node) {
    return node.id.slice(node.id.indexOf(':') + 1);
  }

  function select(id) {
    state.selected = id;
    Array.prototype.forEach.call($('graph').querySelectorAll('g.node, button.list-node'), function (node) {
      var selected = node.getAttribute('data-id') === id;
      node.classList.toggle('selected', selected);
      node.setAttribute('aria-pressed', selected ? 'true' : 'false');
    });
    renderDetails();
  }

  function row(list, term, value, className) {
    if (value == null || value === '' || (Array.isArray(value) && !value.length)) return;
    list.appendChild(el('dt', { text: term }));
    list.appendChild(el('dd', { className: className || '', text: Array.isArray(value) ? value.join(', ') : String(value) }));
  }

  function edgesTable(node) {
    var edges = state.graph.edges.filter(function (edge) {
      return edge.from === node.id || edge.to === node.id;
    });
    if (!edges.length) return el('p', { text: node.kind === 'network' ? 'No container on it.' : 'On no network.' });
    // IPv6 gets a column only where an endpoint has an IPv6 address.
    var v6 = edges.some(function (edge) {
      return !!edge.ipv6Address;
    });
    var head = el('tr', null, [
      el('th', { scope: 'col', text: node.kind === 'network' ? 'Container' : 'Network' }),
      el('th', { scope: 'col', text: 'IPv4' }),
      v6 ? el('th', { scope: 'col', text: 'IPv6' }) : null,
      el('th', { scope: 'col', text: 'MAC' }),
      el('th', { scope: 'col', text: 'Aliases' }),
    ]);
    var body = edges.map(function (edge) {
      var other = findNode(node.kind === 'network' ? edge.from : edge.to);
      return el('tr', { 'data-edge': edge.id }, [
        el('td', { text: other ? other.name : '?' }),
        el('td', { text: edge.ipv4Address || '-' }),
        v6 ? el('td', { text: edge.ipv6Address || '-' }) : null,
        el('td', { text: edge.macAddress || '-' }),
        el('td', { text: (edge.aliases || []).join(', ') || '-' }),
      ]);
    });
    return el('table', { className: 'edges' }, [
      el('caption', { text: 'Endpoints' }),
      el('thead', null, [head]),
      el('tbody', null, body),
    ]);
  }

  // Redrawn on every live update: a focused control in the panel keeps the focus.
  function renderDetails() {
    var panel = $('details');
    var focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.id : null;
    drawDetails(panel);
    if (focused && $(focused)) $(focused).focus({ preventScroll: true });
  }

  function drawDetails(panel) {
    panel.replaceChildren();
    if (!state.selected) {
      panel.appendChild(el('p', { className: 'hint', text: 'Click a network or a container (or focus it and press Enter) to see its details.' }));
      return;
    }
    var node = findNode(state.selected);
    if (!node) {
      panel.appendChild(el('p', { className: 'hint', text: 'That object is gone from the engine (or from this view).' }));
      return;
    }
    panel.appendChild(el('h2', { id: 'details-title', text: node.name }));
    var list = el('dl');
    row(list, 'Kind', node.kind);
    // Only the 64-character id may break anywhere; addresses and prose wrap at their spaces.
    row(list, 'Id', engineId(node), 'id');
    row(list, 'Driver', node.driver);
    row(list, 'State', node.state);
    row(list, 'Image', node.image);
    row(list, 'Subnets', node.subnets);
    if (node.internal) row(list, 'Internal', 'yes (no route out)');
    if (node.builtIn) row(list, 'Built in', 'yes (Docker\'s own)');
    row(list, 'Template', node.template);
    panel.appendChild(list);
    var labels = Object.keys(node.labels || {});
    if (labels.length) {
      var items = labels.sort().map(function (name) {
        return el('li', null, [el('code', { text: name + '=' + node.labels[name] })]);
      });
      panel.appendChild(el('details', { className: 'labels' }, [el('summary', { text: 'Labels (' + labels.length + ')' }), el('ul', null, items)]));
    }
    panel.appendChild(edgesTable(node));
    if (node.kind === 'network' && state.network !== networkValue(node)) {
      panel.appendChild(
        el('div', { className: 'actions' }, [el('button', { type: 'button', id: 'draw-network', text: 'Draw only this network' })]),
      );
      $('draw-network').addEventListener('click', function () {
        setNetwork(networkValue(node));
      });
    }
    if (node.kind === 'container') {
      panel.appendChild(
        el('div', { className: 'actions' }, [
          el('button', { type: 'button', id: 'ping-from', text: 'Ping from here' }),
          el('button', { type: 'button', id: 'ping-to', text: 'Ping to here' }),
        ]),
      );
      $('ping-from').addEventListener('click', function () {
        pickPing('from', node);
      });
      $('ping-to').addEventListener('click', function () {
        pickPing('to', node);
      });
    }
  }

  // ---- ping ---------------------------------------------------------------------------------------

  function pickPing(end, node) {
    var pick = { id: engineId(node), name: node.name };
    if (end === 'from') state.pingFrom = pick;
    else state.pingTo = pick;
    renderPing(null);
    if (state.pingFrom && state.pingTo) runPing();
  }

  function renderPing(result) {
    $('ping-from-name').textContent = state.pingFrom ? state.pingFrom.name : '(pick a container)';
    $('ping-to-name').textContent = state.pingTo ? state.pingTo.name : '(pick a container)';
    $('ping-run').disabled = !(state.pingFrom && state.pingTo);
    var out = $('ping-result');
    out.replaceChildren();
    out.removeAttribute('data-reachable');
    if (!result) return;
    if (result instanceof Problem) {
      out.setAttribute('data-reachable', 'error');
      out.appendChild(el('p', { className: 'bad', text: result.detail + ' (' + result.code + ')' }));
      return;
    }
    out.setAttribute('data-reachable', result.reachable ? 'true' : 'false');
    out.appendChild(
      el('p', { className: result.reachable ? 'good' : 'bad', text: result.reachable ? 'Reachable' : 'Not reachable' }),
    );
    var list = el('dl');
    row(list, 'Address', result.resolvedAddress);
    if (result.rttMs) row(list, 'Round trip', result.rttMs.min + ' / ' + result.rttMs.avg + ' / ' + result.rttMs.max + ' ms (min / avg / max)');
    // No probe ran (the diagnosis says why): "0 of 0 back" would read like one that lost everything.
    row(list, 'Packets', result.transmitted ? result.received + ' of ' + result.transmitted + ' back' : 'none sent');
    row(list, 'Probe', result.probe);
    if (result.diagnosis) {
      row(list, 'Diagnosis', result.diagnosis.code);
      row(list, 'Why', result.diagnosis.message);
    }
    out.appendChild(list);
  }

  async function runPing() {
    if (!state.pingFrom || !state.pingTo) return;
    $('ping-result').replaceChildren(el('p', { text: 'Pinging...' }));
    $('ping-run').disabled = true;
    try {
      var result = await json('/api/v1/connectivity/ping', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Names, not ids: the probe pings the target by name (what the network's DNS answers).
        body: JSON.stringify({ from: state.pingFrom.name, to: state.pingTo.name }),
      });
      renderPing(result);
    } catch (error) {
      renderPing(error instanceof Problem ? error : new Problem(0, { detail: String(error && error.message) }));
    }
  }

  // ---- templates and expectations -------------------------------------------------------------------

  // The picker's list, read at start, when the picker gets the focus and with every redraw (a
  // template stored since shows up); the options are rebuilt only when the names changed.
  async function loadTemplates() {
    var names = [];
    var cursor = null;
    // Bounded: at most 20 pages of 100.
    for (var page = 0; page < 20; page++) {
      var answer = await json('/api/v1/templates?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      answer.items.forEach(function (item) {
        names.push(item.name);
      });
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    var picker = $('template');
    var keep = state.template;
    if (names.join('\n') === state.templateNames) return;
    state.templateNames = names.join('\n');
    picker.replaceChildren(el('option', { value: '', text: 'Everything (no template)' }));
    names.forEach(function (name) {
      picker.appendChild(el('option', { value: name, text: name }));
    });
    picker.value = names.indexOf(keep) >= 0 ? keep : '';
    if (picker.value !== keep) {
      state.template = '';
      writeHash();
      scheduleRefresh(0);
    }
  }

  // ---- the network and label filters ------------------------------------------------------------------

  // The network picker's list (GET /api/v1/networks), read like the template picker's. A network is
  // named by its name, or by its id where two share one (the topology answers a repeated name with
  // AMBIGUOUS_REFERENCE).
  async function loadNetworks() {
    var answer = await json('/api/v1/networks');
    var items = (answer.items || []).slice().sort(function (a, b) {
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    var counts = {};
    items.forEach(function (item) {
      counts[item.name] = (counts[item.name] || 0) + 1;
    });
    var options = items.map(function (item) {
      var shared = counts[item.name] > 1;
      return { id: item.id, value: shared ? item.id : item.name, text: shared ? item.name + ' (' + item.id.slice(0, 12) + ')' : item.name };
    });
    var signature = JSON.stringify(options);
    if (signature === state.networkOptions) return;
    state.networkOptions = signature;
    state.networks = options;
    fillNetworkPicker();
  }

  function fillNetworkPicker() {
    var picker = $('network');
    picker.replaceChildren(el('option', { value: '', text: 'All networks' }));
    (state.networks || []).forEach(function (option) {
      picker.appendChild(el('option', { value: option.value, text: option.text }));
    });
    ensureOption(picker, state.network);
    picker.value = state.network;
  }

  // A value from the hash that the picker does not list (gone, out of reach, or typed by hand) stays
  // chosen: the service's answer then says what is wrong with it.
  function ensureOption(picker, value) {
    if (!value) return;
    for (var i = 0; i < picker.options.length; i++) if (picker.options[i].value === value) return;
    picker.appendChild(el('option', { value: value, text: value + ' (not listed)' }));
  }

  function networkValue(node) {
    var id = engineId(node);
    var known = (state.networks || []).filter(function (option) {
      return option.id === id;
    })[0];
    return known ? known.value : node.name;
  }

  function writeHash() {
    var hash = switchyardUi.filtersHash(filters());
    if (hash === location.hash || (!hash && !location.hash)) return;
    // replaceState: no new history entry per filter, and no hashchange event back to this page.
    history.replaceState(null, '', hash || location.pathname + location.search);
  }

  // The controls show the state's filters.
  function showFilters() {
    var template = $('template');
    ensureOption(template, state.template);
    template.value = state.template;
    ensureOption($('network'), state.network);
    $('network').value = state.network;
    $('label-filter').value = state.labels.join(', ');
  }

  function applyFilters(next) {
    state.template = next.template;
    state.network = next.network;
    state.labels = next.labels;
    showFilters();
    writeHash();
    scheduleRefresh(0);
  }

  function setNetwork(value) {
    applyFilters({ template: state.template, network: value, labels: state.labels });
  }

  function applyLabels() {
    var labels = switchyardUi.parseLabels($('label-filter').value);
    if (labels.join('\n') === state.labels.join('\n')) {
      $('label-filter').value = labels.join(', ');
      return;
    }
    applyFilters({ template: state.template, network: state.network, labels: labels });
  }

  function renderExpectations() {
    var box = $('expectations');
    box.replaceChildren();
    var section = $('expectations-section');
    if (!state.template || !state.graph) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    var list = state.graph.expectations || [];
    if (!list.length) {
      box.appendChild(el('li', { className: 'hint', text: 'This template states no expectations.' }));
      return;
    }
    list.forEach(function (item) {
      var outcome = item.passed === true ? 'passed' : item.passed === false ? 'failed' : 'unchecked';
      var words = item.fromName + (item.reachable ? ' reaches ' : ' does not reach ') + item.toName;
      var entry = el('li', { className: 'expectation ' + outcome, 'data-outcome': outcome }, [
        el('span', { className: 'badge', text: outcome }),
        ' ' + words,
      ]);
      if (item.diagnosis) entry.appendChild(el('div', { className: 'why', text: item.diagnosis.code + ': ' + item.diagnosis.message }));
      if (item.checkedAt) entry.appendChild(el('div', { className: 'when', text: 'checked ' + new Date(item.checkedAt).toLocaleString() }));
      else entry.appendChild(el('div', { className: 'when', text: 'not checked yet: apply the template' }));
      box.appendChild(entry);
    });
  }

  // ---- the live stream -------------------------------------------------------------------------------

  function setLive(text, kind) {
    var badge = $('live');
    badge.textContent = text;
    badge.setAttribute('data-state', kind);
  }

  function stopStream() {
    clearTimeout(state.reconnectTimer);
    if (state.stream) state.stream.abort();
    state.stream = null;
  }

  function reconnectLater() {
    var delay = Math.round(state.backoffMs * (0.75 + Math.random() * 0.5));
    state.backoffMs = Math.min(state.backoffMs * 2, BACKOFF_MAX_MS);
    setLive('Reconnecting in ' + Math.ceil(delay / 1000) + ' s', 'reconnecting');
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(openStream, delay);
  }

  // Reads text/event-stream messages from a fetch body; calls onMessage for each and returns the
  // data of the 'end' message (or null when the response just stopped).
  async function readSse(body, onMessage) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = '';
    var message = { event: 'message', data: [], id: null };
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) return null;
      buffer += decoder.decode(chunk.value, { stream: true });
      var newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        var line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (message.id != null) state.lastEventId = message.id;
          if (message.data.length) {
            var data = message.data.join('\n');
            if (message.event === 'end') {
              reader.cancel().catch(function () {});
              return data;
            }
            onMessage(data);
          }
          message = { event: 'message', data: [], id: null };
          continue;
        }
        if (line.charAt(0) === ':') continue;
        var colon = line.indexOf(':');
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data.push(value);
        else if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
      }
    }
  }

  function onEvent(text) {
    var event;
    try {
      event = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (event.type === 'stream') {
      // Events may have been missed (a resume the service could not serve): read everything again.
      scheduleRefresh(0);
      return;
    }
    if ((event.type === 'network' || event.type === 'container') && !QUIET_ACTIONS.test(event.action || '')) {
      $('last-event').textContent = event.type + ' ' + event.action + (event.name ? ' ' + event.name : '');
      scheduleRefresh();
    }
  }

  async function openStream() {
    stopStream();
    if (!state.key) return;
    var control = new AbortController();
    state.stream = control;
    setLive('Connecting', 'connecting');
    var headers = { accept: 'text/event-stream' };
    if (state.lastEventId) headers['last-event-id'] = state.lastEventId;
    try {
      var response = await request('/api/v1/events', { headers: headers, signal: control.signal });
      if (!response.ok) {
        showError(await problemOf(response));
        if (!control.signal.aborted) reconnectLater();
        return;
      }
      setLive('Live', 'live');
      state.backoffMs = BACKOFF_FIRST_MS;
      // What changed while no stream was open.
      scheduleRefresh(0);
      var ended = await readSse(response.body, onEvent);
      if (control.signal.aborted) return;
      var end = null;
      try {
        end = ended ? JSON.parse(ended) : null;
      } catch (e) {
        end = null;
      }
      if (end && end.code === 'UNAUTHENTICATED') {
        askKey(end.message);
        return;
      }
      reconnectLater();
    } catch (error) {
      if (control.signal.aborted || (error instanceof Problem && error.status === 401)) return;
      reconnectLater();
    }
  }

  // ---- start ---------------------------------------------------------------------------------------

  function start() {
    showError(null);
    state.lastEventId = null;
    state.templateNames = null;
    state.networkOptions = null;
    scheduleRefresh(0);
    openStream();
  }

  function onGraphKey(event) {
    var node = event.target.closest && event.target.closest('g.node');
    if (node && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      select(node.getAttribute('data-id'));
      return;
    }
    if (event.key === '+' || event.key === '=') zoomBy(ZOOM_STEP);
    else if (event.key === '-') zoomBy(1 / ZOOM_STEP);
  }

  function init() {
    applyTheme(initialTheme(), false);
    $('theme-toggle').addEventListener('click', function () {
      applyTheme(currentTheme() === 'dark' ? 'light' : 'dark', true);
      scheduleRefresh(0);
    });
    $('key-form').addEventListener('submit', onKeySubmit);
    $('key-dialog').addEventListener('cancel', function (event) {
      // The page can do nothing without a key.
      if (!state.key) event.preventDefault();
    });
    $('key-cancel').addEventListener('click', function () {
      if (state.key) $('key-dialog').close();
    });
    $('change-key').addEventListener('click', function () {
      askKey('Paste another API key (Cancel keeps the one in use).', true);
    });
    $('template').addEventListener('focus', function () {
      loadTemplates().catch(showError);
    });
    $('template').addEventListener('change', function (event) {
      state.template = event.target.value;
      writeHash();
      scheduleRefresh(0);
    });
    $('network').addEventListener('focus', function () {
      loadNetworks().catch(showError);
    });
    $('network').addEventListener('change', function (event) {
      setNetwork(event.target.value);
    });
    $('filters').addEventListener('submit', function (event) {
      event.preventDefault();
      applyLabels();
    });
    $('label-filter').addEventListener('change', applyLabels);
    $('clear-filters').addEventListener('click', function () {
      applyFilters({ template: '', network: '', labels: [] });
    });
    // A hash typed or pasted into the address bar.
    window.addEventListener('hashchange', function () {
      applyFilters(switchyardUi.readFilters(location.hash));
    });
    $('zoom-in').addEventListener('click', function () {
      zoomBy(ZOOM_STEP);
    });
    $('zoom-out').addEventListener('click', function () {
      zoomBy(1 / ZOOM_STEP);
    });
    $('zoom-fit').addEventListener('click', function () {
      state.fit = true;
      zoomToFit();
    });
    $('ping-run').addEventListener('click', runPing);
    $('ping-clear').addEventListener('click', function () {
      state.pingFrom = null;
      state.pingTo = null;
      renderPing(null);
    });
    var host = $('graph');
    host.addEventListener('click', function (event) {
      if (!event.target.closest) return;
      var node = event.target.closest('g.node, button.list-node');
      if (node) select(node.getAttribute('data-id'));
      var draw = event.target.closest('button.draw-network');
      if (draw) setNetwork(draw.getAttribute('data-network'));
    });
    host.addEventListener('keydown', onGraphKey);
    enablePan(host);
    var kept = switchyardUi.readFilters(location.hash);
    state.template = kept.template;
    state.network = kept.network;
    state.labels = kept.labels;
    showFilters();
    renderDetails();
    renderPing(null);
    var key = storedKey();
    if (key) {
      state.key = key;
      start();
    } else askKey(null);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
`;
