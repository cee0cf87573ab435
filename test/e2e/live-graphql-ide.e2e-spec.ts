import type { Page } from 'playwright-core';
import { LiveEvents } from '../../src/live/live-events';
import { startApp, type TestApp } from '../support/app';
import { launchBrowser, type HeadlessBrowser } from '../support/browser';
import { TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { listenOnLoopback } from '../support/loopback';
import { runPrefix } from '../support/names';
import { waitFor } from '../support/wait';

// Issue #12: GraphiQL runs a subscription (over graphql-ws, the Headers pane as connection
// params) in Debian's chromium. It tests the page, not the engine: it runs on e26 only, as
// ide-browser does. Subnets of this file: 10.117.200.0/24.

const STEP_MS = 30_000;

async function typeInto(page: Page, scope: string, text: string): Promise<void> {
  await page.locator(`${scope} .CodeMirror`).first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text, { delay: 5 });
}

describe('GraphiQL runs a subscription', () => {
  const p = runPrefix('livegqlide');
  const network = `${p}net`;
  let t: TestApp;
  let url: string;
  let browser: HeadlessBrowser | undefined;

  beforeAll(async () => {
    t = await startApp();
    url = `http://127.0.0.1:${await listenOnLoopback(t)}/graphql`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    const left = browser;
    browser = undefined;
    try {
      if (left) {
        await left.close();
        expect(left.processes()).toEqual([]);
      }
    } finally {
      await t?.close();
      await cleanupEngine(p);
    }
  });

  it('shows the events of a subscription typed into the editor as they come', async () => {
    const viewer = (
      await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}viewer`, role: 'viewer' })
        .expect(201)
    ).body.key as string;
    const page = browser!.page;
    await page.goto(url);
    await page.locator('.graphiql-container').waitFor({ timeout: STEP_MS });
    const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
    await typeInto(page, headers, `{"authorization": "Bearer ${viewer}"}`);
    // The schema has loaded with the key (the docs explorer lists Subscription).
    await page.getByRole('button', { name: /Documentation Explorer/ }).click();
    await page
      .locator('.graphiql-doc-explorer a', { hasText: /^Subscription$/ })
      .waitFor({ timeout: STEP_MS });
    await typeInto(
      page,
      '.graphiql-query-editor',
      `subscription { engineEvents(filter: { label: ["${TEST_LABEL}=${p}"] }) { type action name } }`,
    );
    await page.locator('.graphiql-execute-button').click();
    const live = t.app.get(LiveEvents);
    await waitFor(() => live.openCount() === 1, { what: "the page's stream to open" });
    await t.http
      .post('/api/v1/networks')
      .send({ name: network, labels: { [TEST_LABEL]: p }, ipam: { config: [{ subnet: '10.117.200.0/24' }] } })
      .expect(201);
    await page.locator('.graphiql-response', { hasText: network }).waitFor({ timeout: STEP_MS });
    const answer = await page.locator('.graphiql-response .CodeMirror-code').first().innerText();
    expect(answer).toContain('"action": "create"');
    expect(answer).not.toContain('errors');
  });
});
