import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { ERROR_CATALOG } from '../../src/common/errors/error-codes';
import { DomainError } from '../../src/common/errors/domain-error';
import { TopologyRenderer } from '../../src/topology/topology-renderer';
import type { TopologyGraph } from '../../src/topology/topology.types';
import { startApp, type TestApp } from '../support/app';
import { launchBrowser, type HeadlessBrowser } from '../support/browser';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { docker } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { cleanupTemplates, expectStatus } from '../support/templates';
import { waitFor } from '../support/wait';

// The /ui topology page in a real browser (Debian's chromium, headless, driven by playwright-core):
// a person opens /ui, pastes a key, sees the walkthrough topology (README "A short tour", as the
// template of "The same tour as a template"), watches a container created through the API appear
// without a reload, pings between two containers from the page, reads a template's expectations,
// and the page's screenshot is saved (to docs/images with UPDATE_SCREENSHOTS=1, so that CI leaves
// the tree clean). The service's Mermaid is then checked by Mermaid itself in the same browser.
// It tests the page: jest.config.js runs this file in the e2e-26 project only.

const STEP_MS = 30_000;
// This file's subnet (10.131.0.0/16 belongs to it).
const SUBNET = '10.131.1.0/24';
const A_ADDRESS = '10.131.1.10';
// UPDATE_SCREENSHOTS=1 writes the README's picture, with the README's names (below).
const SCREENSHOT_RUN = process.env.UPDATE_SCREENSHOTS === '1';
const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'images', 'ui-topology.png');
const MERMAID_JS = join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');

// Removes what an earlier screenshot run left under the README's names: only objects with the
// test label (never one of a person's).
async function removeLabelled(containers: string[], networks: string[]): Promise<void> {
  const labelled = { label: [TEST_LABEL] };
  const [cs, ns] = await Promise.all([
    docker.listContainers({ all: true, filters: labelled }),
    docker.listNetworks({ filters: labelled }),
  ]);
  await Promise.all(
    cs
      .filter((c) => c.Names.some((n) => containers.includes(n.replace(/^\//, ''))))
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
  await Promise.all(
    ns
      .filter((n) => networks.includes(n.Name))
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
}

const node = (page: Page, name: string) => page.locator(`#graph g.node[data-name="${name}"]`);

// The names the page draws (its SVG's nodes), sorted.
const drawnNames = (page: Page) =>
  page.evaluate<string[]>(
    "Array.from(document.querySelectorAll('#graph g.node')).map((n) => n.getAttribute('data-name')).sort()",
  );

// What the service's renderer throws for a graph over its cap: its real code, text and context.
async function tooLargeError(): Promise<DomainError> {
  const nodes = Array.from({ length: 301 }, (_, i) => ({
    id: `network:${i}`,
    kind: 'network',
    name: `n${i}`,
  }));
  try {
    await new TopologyRenderer().render({ nodes, edges: [] } as unknown as TopologyGraph, 'svg');
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the renderer drew 301 nodes: TOPOLOGY_TOO_LARGE is gone');
}

describe('the topology page in a browser', () => {
  const p = runPrefix('ui-web');
  // The run's prefix, as in every e2e file; for the README's picture the README's own names, with
  // the test label (value: the prefix) by which the cleanup finds them.
  const named = (name: string) => (SCREENSHOT_RUN ? name : `${p}${name}`);
  const template = named('tour');
  const network = named('demo');
  const containerA = named('containerA');
  const containerB = named('containerB');
  const containerC = named('containerC');
  let t: TestApp;
  let base: string;
  let key: string;
  let browser: HeadlessBrowser | undefined;
  let ids: { network: string; a: string; b: string };
  // Every Content Security Policy violation the page reports (console and securitypolicyviolation).
  const violations: string[] = [];

  beforeAll(async () => {
    await cleanupTemplates(p);
    if (SCREENSHOT_RUN) await removeLabelled([containerA, containerB, containerC], [network]);
    t = await startApp();
    base = `http://127.0.0.1:${await listenOnLoopback(t)}`;
    // The page runs with an operator key (pings need one); the test's own calls use the admin key.
    key = expectStatus(
      await t.http.post('/api/v1/api-keys').send({ name: `${p}operator`, role: 'operator' }),
      201,
    ).body.key as string;
    // The walkthrough topology, as the README's template: demo, containerA (fixed address, alias a)
    // and containerB, and an expectation that A reaches B.
    expectStatus(
      await t.http.post('/api/v1/templates').send({
        name: template,
        labels: { [TEST_LABEL]: p },
        networks: { [network]: { ipam: { config: [{ subnet: SUBNET }] } } },
        containers: {
          [containerA]: {
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            networks: { [network]: { ipv4Address: A_ADDRESS, aliases: ['a'] } },
          },
          [containerB]: { image: TEST_IMAGE, command: ['sleep', '3600'], networks: { [network]: {} } },
        },
        expectations: [{ from: containerA, to: containerB, reachable: true }],
      }),
      201,
    );
    const applied = expectStatus(await t.http.post(`/api/v1/templates/${template}/apply`), 200).body as {
      status: string;
      expectations: Array<{ passed: boolean }>;
    };
    expect(applied.status).toBe('succeeded');
    expect(applied.expectations.map((e) => e.passed)).toEqual([true]);
    // The engine's own ids: the page's nodes carry them.
    const [net, a, b] = await Promise.all([
      docker.getNetwork(network).inspect() as Promise<{ Id: string }>,
      docker.getContainer(containerA).inspect(),
      docker.getContainer(containerB).inspect(),
    ]);
    ids = { network: net.Id, a: a.Id, b: b.Id };
    browser = await launchBrowser();
    browser.page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) violations.push(message.text());
    });
    await browser.context.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation event: ' + e.violatedDirective + ' ' + e.blockedURI), true);",
    });
  });

  afterAll(async () => {
    const left = browser;
    browser = undefined;
    try {
      if (left) {
        await left.close();
        // No chromium process of this test is left.
        expect(left.processes()).toEqual([]);
      }
    } finally {
      await t?.close();
      await cleanupTemplates(p);
    }
  });

  it('asks for the key (again after a wrong one), keeps it out of localStorage and shows the walkthrough topology', async () => {
    const page = browser!.page;
    const response = await page.goto(`${base}/ui`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    const dialog = page.locator('#key-dialog');
    await dialog.waitFor({ state: 'visible', timeout: STEP_MS });
    // A wrong key: the service's 401 detail, and the question again.
    await page.locator('#key-input').fill('sy_not_a_key');
    await page.locator('#key-submit').click();
    await page.locator('#key-message', { hasText: /key/i }).waitFor({ timeout: STEP_MS });
    await dialog.waitFor({ state: 'visible', timeout: STEP_MS });
    expect(await page.locator('#key-message').innerText()).not.toContain('Paste an API key');
    // The right key.
    await page.locator('#key-input').fill(key);
    await page.locator('#key-submit').click();
    await dialog.waitFor({ state: 'hidden', timeout: STEP_MS });
    // Both containers and the network, by kind, with the engine's ids and the container state.
    const a = node(page, containerA);
    await a.waitFor({ timeout: STEP_MS });
    await node(page, containerB).waitFor({ timeout: STEP_MS });
    await node(page, network).waitFor({ timeout: STEP_MS });
    expect(await a.getAttribute('data-kind')).toBe('container');
    expect(await a.getAttribute('data-id')).toBe(`container:${ids.a}`);
    expect(await a.getAttribute('data-state')).toBe('running');
    expect(await node(page, network).getAttribute('data-kind')).toBe('network');
    expect(await node(page, network).getAttribute('data-id')).toBe(`network:${ids.network}`);
    // An edge per endpoint, A's with its address on it.
    const edgeA = page.locator(
      `#graph g.edge[data-from="container:${ids.a}"][data-to="network:${ids.network}"]`,
    );
    await edgeA.waitFor({ state: 'attached', timeout: STEP_MS });
    expect(await edgeA.textContent()).toContain(A_ADDRESS);
    await page
      .locator(`#graph g.edge[data-from="container:${ids.b}"][data-to="network:${ids.network}"]`)
      .waitFor({ state: 'attached', timeout: STEP_MS });
    await page.locator('#live[data-state="live"]').waitFor({ timeout: STEP_MS });
    // The key is kept for the tab only.
    const stored = await page.evaluate<{ local: string; session: string }>(
      '({ local: JSON.stringify(Object.assign({}, localStorage)), session: JSON.stringify(Object.assign({}, sessionStorage)) })',
    );
    expect(stored.local).not.toContain(key);
    expect(stored.session).toContain(key);
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('shows a container created through the API without a reload', async () => {
    const page = browser!.page;
    // A mark on this document: a reload would lose it.
    await page.evaluate('window.__sameDocument = true');
    expectStatus(
      await t.http.post('/api/v1/containers').send({
        name: containerC,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
        networks: [{ network }],
      }),
      201,
    );
    const c = (await docker.getContainer(containerC).inspect()).Id;
    await node(page, containerC).waitFor({ timeout: STEP_MS });
    expect(await node(page, containerC).getAttribute('data-id')).toBe(`container:${c}`);
    await page
      .locator(`#graph g.edge[data-from="container:${c}"][data-to="network:${ids.network}"]`)
      .waitFor({ state: 'attached', timeout: STEP_MS });
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
  });

  it("shows a node's details on a click or on Enter, and pings from one container to another", async () => {
    const page = browser!.page;
    await node(page, containerA).click();
    const details = page.locator('#details');
    await details.locator('h2', { hasText: containerA }).waitFor({ timeout: STEP_MS });
    const text = await details.innerText();
    expect(text).toContain(ids.a);
    expect(text).toContain('running');
    expect(text).toContain(A_ADDRESS);
    expect(text).toContain(network);
    const mac = (await docker.getContainer(containerA).inspect()).NetworkSettings.Networks[network]
      .MacAddress;
    expect(text).toContain(mac);
    await page.locator('#ping-from').click();
    // B by keyboard: focus its node and press Enter.
    await node(page, containerB).focus();
    await page.keyboard.press('Enter');
    await details.locator('h2', { hasText: containerB }).waitFor({ timeout: STEP_MS });
    await page.locator('#ping-to').click();
    const result = page.locator('#ping-result[data-reachable]');
    await result.waitFor({ timeout: 60_000 });
    // The text first: on a failure it holds the diagnosis.
    expect(await result.innerText()).toContain('Reachable');
    expect(await result.getAttribute('data-reachable')).toBe('true');
    // The network's details list its containers' endpoints.
    await node(page, network).focus();
    await page.keyboard.press('Space');
    await details.locator('h2', { hasText: network }).waitFor({ timeout: STEP_MS });
    expect(await details.innerText()).toContain(SUBNET);
    expect(await details.locator('table.edges tbody tr').count()).toBe(3);
  });

  it('narrows the picture with the network and label filters, kept in the URL hash and read back after a reload', async () => {
    const page = browser!.page;
    const svgAsked = (test: (url: URL) => boolean) =>
      page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname === '/api/v1/topology' && url.searchParams.get('format') === 'svg' && test(url);
      });
    // The network picker lists the networks; one picked draws it and its containers only.
    let asked = svgAsked((url) => url.searchParams.get('network') === network);
    await page.locator('#network').selectOption(network);
    expect((await asked).status()).toBe(200);
    await waitFor(
      async () =>
        (await drawnNames(page)).join() === [containerA, containerB, containerC, network].sort().join(),
      {
        what: "only the network's nodes drawn",
        timeoutMs: STEP_MS,
      },
    );
    expect(new URL(page.url()).hash).toBe(`#network=${encodeURIComponent(network)}`);
    // A label as well (both filters apply): only C carries this one.
    const label = `${TEST_LABEL}=${p}`;
    asked = svgAsked(
      (url) =>
        url.searchParams.getAll('label').join() === label && url.searchParams.get('network') === network,
    );
    await page.locator('#label-filter').fill(` ${label} `);
    await page.locator('#label-filter').press('Enter');
    expect((await asked).status()).toBe(200);
    // The page draws what the service's JSON says for the same filters.
    const expected = expectStatus(await t.http.get('/api/v1/topology').query({ network, label }), 200)
      .body as {
      nodes: Array<{ name: string }>;
    };
    const names = expected.nodes.map((n) => n.name).sort();
    expect(names).toContain(containerC);
    await waitFor(async () => (await drawnNames(page)).join() === names.join(), {
      what: 'the nodes of both filters drawn',
      timeoutMs: STEP_MS,
    });
    expect(await page.locator('#label-filter').inputValue()).toBe(label);
    // A reload (the key is kept for the tab) reads the filters back from the hash.
    asked = svgAsked(
      (url) => url.searchParams.get('network') === network && url.searchParams.get('label') === label,
    );
    await page.reload();
    expect((await asked).status()).toBe(200);
    expect(await page.locator('#network').inputValue()).toBe(network);
    expect(await page.locator('#label-filter').inputValue()).toBe(label);
    await waitFor(async () => (await drawnNames(page)).join() === names.join(), {
      what: 'the same nodes after the reload',
      timeoutMs: STEP_MS,
    });
    // Cleared: everything again, and no hash.
    asked = svgAsked((url) => !url.searchParams.has('network') && !url.searchParams.has('label'));
    await page.locator('#clear-filters').click();
    expect((await asked).status()).toBe(200);
    await node(page, 'bridge').waitFor({ timeout: STEP_MS });
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#error').isHidden()).toBe(true);
  });

  it('above the SVG cap says so in its own words, focuses the filters and lists every node, which stay usable', async () => {
    const page = browser!.page;
    const refused = await tooLargeError();
    // The real problem shape: a real 404 of the same route, with the 422's code, text and context.
    const real = expectStatus(await t.http.get('/api/v1/topology').query({ network: `${p}nosuch` }), 404)
      .body as Record<string, unknown>;
    const problem = {
      ...real,
      code: refused.code,
      status: refused.status,
      title: ERROR_CATALOG.TOPOLOGY_TOO_LARGE.title,
      detail: refused.message,
      context: refused.options.context,
    };
    // Only the unfiltered picture is refused, as a graph of 301 nodes would be.
    const refuse = (route: Route) => {
      const url = new URL(route.request().url());
      if (url.searchParams.get('format') === 'svg' && !url.searchParams.has('network')) {
        return route.fulfill({
          status: 422,
          contentType: 'application/problem+json',
          body: JSON.stringify(problem),
        });
      }
      return route.continue();
    };
    await page.route('**/api/v1/topology?*', refuse);
    try {
      await page.locator('#network').focus();
      await page.locator('#template').focus();
      // Any redraw now meets the refusal: a theme toggle asks again.
      await page.locator('#theme-toggle').click();
      const error = page.locator('#error', { hasText: 'Too many to draw' });
      await error.waitFor({ timeout: STEP_MS });
      const text = await error.innerText();
      expect(text).toContain('TOPOLOGY_TOO_LARGE');
      expect(text).toContain('300');
      // The page's words: its controls, not query parameters.
      expect(text).not.toContain('network=');
      // No picture; the JSON's nodes listed, the network picker focused.
      const list = page.locator('#graph .node-list');
      await list.waitFor({ timeout: STEP_MS });
      expect(await page.locator('#graph svg').count()).toBe(0);
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('network');
      for (const name of [network, containerA, containerB, containerC, 'bridge'])
        await list.locator('button.list-node', { hasText: name }).first().waitFor({ timeout: STEP_MS });
      // A listed container's details (and its ping buttons) as from the picture.
      await list.locator(`button.list-node[data-id="container:${ids.a}"]`).click();
      await page.locator('#details h2', { hasText: containerA }).waitFor({ timeout: STEP_MS });
      expect(await page.locator('#ping-from').isVisible()).toBe(true);
      // "Draw this network": the filter is set, and that picture is drawn.
      await list
        .locator('li', { has: page.locator(`button.list-node[data-id="network:${ids.network}"]`) })
        .locator('button.draw-network')
        .click();
      await node(page, containerA).waitFor({ timeout: STEP_MS });
      expect(await page.locator('#network').inputValue()).toBe(network);
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(await page.locator('#graph .node-list').count()).toBe(0);
    } finally {
      await page.unroute('**/api/v1/topology?*', refuse);
      await page.locator('#theme-toggle').click();
    }
    await page.locator('#clear-filters').click();
    await node(page, 'bridge').waitFor({ timeout: STEP_MS });
  });

  it('marks the drawn graph stale while reads fail, and lets "Change key" be cancelled', async () => {
    const page = browser!.page;
    const fail = (route: Route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          code: 'ENGINE_UNAVAILABLE',
          title: 'Docker engine unavailable',
          status: 503,
          detail: 'Down.',
        }),
      });
    await page.route('**/api/v1/topology?*', fail);
    try {
      await page.locator('#theme-toggle').click();
      await page.locator('#graph.stale').waitFor({ timeout: STEP_MS });
      expect(await page.locator('#updated').innerText()).toContain('Stale');
      expect(await page.locator('#error').innerText()).toContain('ENGINE_UNAVAILABLE');
    } finally {
      await page.unroute('**/api/v1/topology?*', fail);
    }
    await page.locator('#theme-toggle').click();
    await page.locator('#graph:not(.stale)').waitFor({ timeout: STEP_MS });
    expect(await page.locator('#error').isHidden()).toBe(true);
    // Change key, then Escape: the same key goes on working (no question again, the stream stays).
    await page.locator('#change-key').click();
    await page.locator('#key-dialog').waitFor({ state: 'visible', timeout: STEP_MS });
    expect(await page.locator('#key-cancel').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator('#key-dialog').waitFor({ state: 'hidden', timeout: STEP_MS });
    await page.locator('#change-key').click();
    await page.locator('#key-cancel').click();
    await page.locator('#key-dialog').waitFor({ state: 'hidden', timeout: STEP_MS });
    expect(await page.evaluate<string>("sessionStorage.getItem('switchyard.ui.key')")).toBe(key);
    await page.locator('#live[data-state="live"]').waitFor({ timeout: STEP_MS });
  });

  it('waits its turn when the service is busy drawing (TOPOLOGY_BUSY) and asks again by itself', async () => {
    const page = browser!.page;
    let refusals = 0;
    let refusing = true;
    // The service's own answer for a full queue (429 with Retry-After), until the page said so.
    const busy = (route: Route) => {
      if (!route.request().url().includes('format=svg') || !refusing) return route.continue();
      refusals++;
      return route.fulfill({
        status: 429,
        contentType: 'application/problem+json',
        headers: { 'retry-after': '1' },
        body: JSON.stringify({
          code: 'TOPOLOGY_BUSY',
          title: 'Topology drawing busy',
          status: 429,
          detail: 'The service is drawing other SVG pictures. Retry in 1 s.',
        }),
      });
    };
    await page.route('**/api/v1/topology?*', busy);
    try {
      await page.locator('#theme-toggle').click();
      await page.locator('#error', { hasText: 'asks again in 1 s' }).waitFor({ timeout: STEP_MS });
      refusing = false;
      // No click needed: the page asks again by itself and draws.
      await page.locator('#error').waitFor({ state: 'hidden', timeout: STEP_MS });
      expect(refusals).toBeGreaterThanOrEqual(1);
      await page.locator('#graph:not(.stale)').waitFor({ timeout: STEP_MS });
    } finally {
      await page.unroute('**/api/v1/topology?*', busy);
    }
  });

  it("draws a template's expectations with their last results, in both themes, and saves the screenshot", async () => {
    const page = browser!.page;
    await page.locator('#template').selectOption(template);
    const expectation = page.locator('#expectations .expectation');
    await expectation.waitFor({ timeout: STEP_MS });
    expect(await expectation.getAttribute('data-outcome')).toBe('passed');
    expect(await expectation.innerText()).toContain(`${containerA} reaches ${containerB}`);
    // Only the template's objects: C is not one of them.
    await node(page, containerC).waitFor({ state: 'detached', timeout: STEP_MS });
    await page
      .locator(
        `#graph g.expectation.expectation-passed[data-from="container:${ids.a}"][data-to="container:${ids.b}"]`,
      )
      .waitFor({ state: 'attached', timeout: STEP_MS });
    // The theme toggles (the graph is read again in that theme).
    const theme = () => page.evaluate<string | null>("document.documentElement.getAttribute('data-theme')");
    const before = await theme();
    await page.locator('#theme-toggle').click();
    expect(await theme()).not.toBe(before);
    await page.locator('#theme-toggle').click();
    expect(await theme()).toBe(before);
    // Details of A beside the graph in the picture.
    await node(page, containerA).click();
    await page.locator('#details h2', { hasText: containerA }).waitFor({ timeout: STEP_MS });
    const path = SCREENSHOT_RUN ? SCREENSHOT : join(browser!.dir, 'ui-topology.png');
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path });
  });

  it('stays usable with 50 containers on 10 networks: fit, zoom and scroll, every node focusable, in dark mode', async () => {
    const page = browser!.page;
    const big = `${p}big`;
    const networks = Array.from({ length: 10 }, (_, i) => `${p}n${i}`);
    const containers = Array.from({ length: 50 }, (_, i) => `${p}c${i}`);
    // Each container on one network, the first ten on a second one too (from this file's /16).
    const document = {
      name: big,
      labels: { [TEST_LABEL]: p },
      networks: Object.fromEntries(
        networks.map((n, i) => [n, { ipam: { config: [{ subnet: `10.131.${10 + i}.0/24` }] } }]),
      ),
      containers: Object.fromEntries(
        containers.map((c, i) => [
          c,
          {
            image: TEST_IMAGE,
            command: ['sleep', '3600'],
            networks: Object.fromEntries(
              (i < 10 ? [i % 10, (i + 1) % 10] : [i % 10]).map((n) => [networks[n], {}]),
            ),
          },
        ]),
      ),
    };
    expectStatus(await t.http.post('/api/v1/templates').send(document), 201);
    const applied = expectStatus(await t.http.post(`/api/v1/templates/${big}/apply`), 200).body as {
      status: string;
    };
    expect(applied.status).toBe('succeeded');
    await page.locator('#template').selectOption(big);
    await waitFor(async () => (await page.locator('#graph g.node-container').count()) === 50, {
      what: 'the 50 containers in the page',
      timeoutMs: 60_000,
    });
    expect(await page.locator('#graph g.node-network').count()).toBe(10);
    // Every node can be reached with Tab and carries a label for screen readers.
    const unlabelled = await page
      .locator('#graph g.node:not([tabindex="0"]), #graph g.node:not([aria-label])')
      .count();
    expect(unlabelled).toBe(0);
    // Fit: the graph's width inside the view (it is taller: the view scrolls down); zoomed in:
    // wider than the view, which scrolls sideways too.
    const sizes = () =>
      page.evaluate<{ svg: number; view: number; scroll: number; tall: boolean }>(
        "(() => { const g = document.getElementById('graph'); const r = g.querySelector('svg').getBoundingClientRect(); return { svg: r.width, view: g.clientWidth, scroll: g.scrollWidth, tall: g.scrollHeight > g.clientHeight }; })()",
      );
    await page.locator('#zoom-fit').click();
    const fitted = await sizes();
    expect(fitted.svg).toBeLessThanOrEqual(fitted.view);
    expect(fitted.tall).toBe(true);
    for (let i = 0; i < 3; i++) await page.locator('#zoom-in').click();
    const zoomed = await sizes();
    expect(zoomed.svg).toBeGreaterThan(fitted.svg);
    expect(zoomed.scroll).toBeGreaterThan(zoomed.view);
    // Dark mode: the page and the graph's background change with the toggle.
    const background = () =>
      page.evaluate<string>(
        "getComputedStyle(document.querySelector('#graph svg .bg') || document.body).fill",
      );
    const themeBefore = await page.evaluate<string | null>(
      "document.documentElement.getAttribute('data-theme')",
    );
    const fillBefore = await background();
    await page.locator('#theme-toggle').click();
    await waitFor(async () => (await background()) !== fillBefore, {
      what: 'the graph drawn in the other theme',
      timeoutMs: STEP_MS,
    });
    expect(await page.evaluate("document.documentElement.getAttribute('data-theme')")).not.toBe(themeBefore);
    await page.locator('#zoom-fit').click();
    await page.screenshot({ path: join(browser!.dir, 'ui-topology-50.png') });
    await page.locator('#theme-toggle').click();
  });

  it('reported no Content Security Policy violation through all the loads and redraws above', () => {
    // The SVG holds a <style>: parsed as it is, it breaks style-src 'self' on every redraw.
    expect(violations).toEqual([]);
  });

  it("has Mermaid parse and render the service's Mermaid of the topology", async () => {
    const source = expectStatus(
      await t.http.get('/api/v1/topology').query({ format: 'mermaid', template }),
      200,
    ).text;
    // A page of its own, with no CSP: Mermaid's browser build, loaded from node_modules.
    const page = await browser!.context.newPage();
    try {
      await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
      await page.addScriptTag({ path: MERMAID_JS });
      const rendered = await page.evaluate(
        `(async (text) => {
          mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
          const parsed = await mermaid.parse(text);
          const { svg } = await mermaid.render('topology', text);
          return { parsed: !!parsed, svg };
        })(${JSON.stringify(source)})`,
      );
      const { parsed, svg } = rendered as { parsed: boolean; svg: string };
      expect(parsed).toBe(true);
      for (const name of [network, containerA, containerB]) expect(svg).toContain(name);
    } finally {
      await page.close();
    }
  });
});
