import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { DataSource } from 'typeorm';
import { AuditEntryEntity } from '../../src/audit/audit-entry.entity';
import { startApp, type TestApp } from '../support/app';
import { launchBrowser, type HeadlessBrowser } from '../support/browser';
import { TEST_LABEL } from '../support/constants';
import { cleanupEngine, findNetworks } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// The GraphQL IDE in a real browser (Debian's chromium, headless, driven by playwright-core): a
// person opens /graphql, types a key into the Headers pane, the schema loads (docs explorer) and a
// query typed into the editor runs. It tests the page, not the engine: jest.config.js runs this file
// in the e2e-26 project only.

const STEP_MS = 30_000;

// The text of a CodeMirror editor inside `scope` (the lines it shows).
const editorText = (page: Page, scope: string) =>
  page.locator(`${scope} .CodeMirror-code`).first().innerText();

// Clicks into the editor inside `scope`, selects everything and types `text` key by key.
async function typeInto(page: Page, scope: string, text: string): Promise<void> {
  await page.locator(`${scope} .CodeMirror`).first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text, { delay: 5 });
}

describe('GraphiQL in a browser', () => {
  const p = runPrefix('ide-web');
  const network = `${p}net`;
  let t: TestApp;
  let url: string;
  let viewer: string;
  let browser: HeadlessBrowser | undefined;

  beforeAll(async () => {
    await cleanupEngine(p);
    t = await startApp();
    url = `http://127.0.0.1:${await listenOnLoopback(t)}/graphql`;
    viewer = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}viewer`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
    await t.http
      .post('/api/v1/networks')
      .send({ name: network, labels: { [TEST_LABEL]: '1' } })
      .expect(201);
    browser = await launchBrowser();
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
      await cleanupEngine(p);
    }
  });

  it('says where the key goes, holds none, and sends nothing (no schema fetch, no 401) until it has one', async () => {
    const page = browser!.page;
    const sent: string[] = [];
    const onRequest = (request: Request) => {
      if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST')
        sent.push(request.url());
    };
    page.on('request', onRequest);
    try {
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.locator('.graphiql-container').waitFor({ timeout: STEP_MS });
      // The visible note, with the command for a lost key, and the Headers pane's template.
      const hint = await page.locator('#key-hint').innerText();
      expect(hint).toContain('Headers');
      expect(hint).toContain('npm run key:admin -- --name <name>');
      const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
      await expect(editorText(page, headers)).resolves.toContain('"Bearer <your key>"');
      expect(await page.content()).not.toContain(viewer);
      // The docs pane says where the key goes (instead of "Error fetching schema"), and the result
      // pane holds no refusal.
      await page.getByRole('button', { name: /Documentation Explorer/ }).click();
      const docsError = page.locator('.graphiql-doc-explorer-error');
      await docsError.waitFor({ timeout: STEP_MS });
      const said = await page.evaluate<{ text: string; after: string }>(
        "(() => { const e = document.querySelector('.graphiql-doc-explorer-error'); return { text: e.innerText, after: getComputedStyle(e, '::after').content }; })()",
      );
      expect(said.text).not.toContain('Error fetching schema');
      expect(said.after).toContain('put your API key in the Headers pane');
      expect(await editorText(page, '.graphiql-response')).not.toContain('UNAUTHENTICATED');
      // Run the query without a key: the result pane says one is needed, and nothing was sent.
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.graphiql-response', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: STEP_MS });
      await expect(editorText(page, '.graphiql-response')).resolves.toContain('Headers pane');
      expect(sent).toEqual([]);
      // Nothing of the page load was refused for a missing key (the schema, the browser's favicon).
      const refused = await t.app
        .get(DataSource)
        .getRepository(AuditEntryEntity)
        .find({ where: { errorCode: 'UNAUTHENTICATED' } });
      expect(refused).toEqual([]);
    } finally {
      page.off('request', onRequest);
    }
  });

  it('clears a refusal of a wrong key from the result pane once the right key loads the schema', async () => {
    const page = browser!.page;
    await page.goto(url);
    await page.locator('.graphiql-container').waitFor({ timeout: STEP_MS });
    const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
    await typeInto(page, headers, '{"authorization": "Bearer sy_wrong"}');
    await page.locator('.graphiql-response', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: STEP_MS });
    await typeInto(page, headers, `{"authorization": "Bearer ${viewer}"}`);
    await page.getByRole('button', { name: /Documentation Explorer/ }).click();
    await page.locator('.graphiql-doc-explorer a', { hasText: /^Query$/ }).waitFor({ timeout: STEP_MS });
    await waitFor(async () => !(await editorText(page, '.graphiql-response')).includes('UNAUTHENTICATED'), {
      what: 'the stale refusal to leave the result pane',
      timeoutMs: STEP_MS,
    });
  });

  it('loads the schema with a key typed into the Headers pane and runs a query from the editor', async () => {
    const page = browser!.page;
    await page.goto(url);
    await page.locator('.graphiql-container').waitFor({ timeout: STEP_MS });
    const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
    await typeInto(page, headers, `{"authorization": "Bearer ${viewer}"}`);
    await expect(editorText(page, headers)).resolves.toContain(`"Bearer ${viewer}"`);
    // The schema loads: the docs explorer lists Query, and Query's networks.
    await page.getByRole('button', { name: /Documentation Explorer/ }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.locator('a', { hasText: /^Query$/ }).waitFor({ timeout: STEP_MS });
    await docs.locator('a', { hasText: /^Query$/ }).click();
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^networks$/ }).waitFor({
      timeout: STEP_MS,
    });
    // A query typed into the editor runs; its answer is in the result pane.
    await typeInto(
      page,
      '.graphiql-query-editor',
      `{ networks(filter: { name: "${network}" }) { name driver } }`,
    );
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response', { hasText: network }).waitFor({ timeout: STEP_MS });
    const answer = await editorText(page, '.graphiql-response');
    expect(answer).toContain('"driver": "bridge"');
    expect(answer).not.toContain('errors');
    expect((await findNetworks(network)).map((n) => n.Name)).toEqual([network]);
    // The key stays in the page: not in the browser's storage (tabs, query history).
    const stored = await page.evaluate<string>(
      'JSON.stringify([Object.assign({}, localStorage), Object.assign({}, sessionStorage)])',
    );
    expect(stored).toContain('graphiql:queries');
    expect(stored).not.toContain(viewer);
    await page.screenshot({ path: join(browser!.dir, 'graphiql.png'), fullPage: true });
  });
});
