import { Script } from 'node:vm';
import { UI_CSP, UI_HTML } from '../../src/ui/ui.assets';
import { UI_CLIENT_JS } from '../../src/ui/ui.client';
import { MemoryEngine } from '../support/memory-engine';
import { startAppOn, type TestApp } from '../support/test-app';

// The /ui page as the service serves it (the real app on the in-memory engine): public, strict CSP,
// only its own files, no external address. The browser test (test/e2e/ui-browser.e2e-spec.ts) runs it.
describe('the /ui page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startAppOn(new MemoryEngine());
  });

  afterAll(async () => {
    await t?.close();
  });

  it('serves the page without a key, with a CSP that allows no inline script or style and no other origin', async () => {
    for (const path of ['/ui', '/ui/']) {
      const res = await t.anon.get(path).expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe');
      expect(res.text).toContain('<script src="/ui/assets/ui.js" defer></script>');
    }
    expect(UI_CSP).not.toMatch(/https?:/);
  });

  it('holds no inline script, inline style or external address', () => {
    expect(UI_HTML).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    expect(UI_HTML).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(UI_HTML).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(UI_CLIENT_JS).not.toMatch(/https?:\/\//);
  });

  it('serves its script and stylesheet, and nothing else under its prefix', async () => {
    const js = await t.anon.get('/ui/assets/ui.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toBe(UI_CLIENT_JS);
    const css = await t.anon.get('/ui/assets/ui.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('prefers-color-scheme');
    // Anything else is no file of the page: the gate asks for a key as for any other path.
    await t.anon.get('/ui/assets/../../package.json').expect((res) => expect(res.status).not.toBe(200));
    await t.anon.get('/ui/assets/other.js').expect(401);
  });

  it('has a script that compiles, uses no eval, and keeps the key out of localStorage', () => {
    expect(() => new Script(UI_CLIENT_JS)).not.toThrow();
    expect(UI_CLIENT_JS).not.toMatch(/\beval\(|new Function\(/);
    // localStorage holds the theme only; the key goes to sessionStorage.
    expect(UI_CLIENT_JS).toMatch(/sessionStorage\.setItem\(KEY_ITEM, key\)/);
    expect(UI_CLIENT_JS.match(/localStorage\.setItem\(([A-Z_]+)/g)).toEqual([
      'localStorage.setItem(THEME_ITEM',
    ]);
  });
});
