import { Script, createContext, runInContext } from 'node:vm';
import { XMLValidator } from 'fast-xml-parser';
import { renderSvg } from '../../src/topology/render/svg';
import { UI_CSP, UI_HTML } from '../../src/ui/ui.assets';
import { UI_CLIENT_JS, UI_HELPERS_JS } from '../../src/ui/ui.client';
import { MemoryEngine } from '../support/memory-engine';
import { startAppOn, type TestApp } from '../support/test-app';
import { walkthrough } from './topology-svg.fixtures';

interface Filters {
  template: string;
  network: string;
  labels: string[];
}

interface Helpers {
  parseLabels(text: string): string[];
  readFilters(hash: string): Filters;
  filtersHash(filters: Filters): string;
  topologyPath(format: string, filters: Filters): string;
  renameStyles(svg: string): string;
}

// The page's pure helpers, run as the browser runs them (a script of their own) in a bare context:
// no DOM, no URLSearchParams.
function helpers(): Helpers {
  const context = createContext({});
  runInContext(UI_HELPERS_JS, context);
  // Plain data across the VM boundary (arrays of another realm fail toEqual).
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const ui = (context as { switchyardUi: Helpers }).switchyardUi;
  return {
    parseLabels: (text) => plain(ui.parseLabels(text)),
    readFilters: (hash) => plain(ui.readFilters(hash)),
    filtersHash: (filters) => ui.filtersHash(filters),
    topologyPath: (format, filters) => ui.topologyPath(format, filters),
    renameStyles: (svg) => ui.renameStyles(svg),
  };
}

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

  it('has filter controls for the network and labels beside the template picker', () => {
    expect(UI_HTML).toContain('<select id="network"');
    expect(UI_HTML).toContain('<input id="label-filter"');
    expect(UI_HTML).toContain('id="clear-filters"');
    // Both the picture and the details are read with the same filters.
    expect(UI_CLIENT_JS).toContain("json(topologyQuery('json'))");
    expect(UI_CLIENT_JS).toContain("request(topologyQuery('svg')");
  });
});

describe("the /ui page's helpers", () => {
  const ui = helpers();
  const none: Filters = { template: '', network: '', labels: [] };

  it('reads the filters from the hash, ignoring unknown names, blanks and bad percent-encoding', () => {
    expect(ui.readFilters('')).toEqual(none);
    expect(ui.readFilters('#')).toEqual(none);
    expect(ui.readFilters('#template=tour&network=demo&label=team&label=tier%3Dweb')).toEqual({
      template: 'tour',
      network: 'demo',
      labels: ['team', 'tier=web'],
    });
    expect(ui.readFilters('#network=%E0%A4%A&label=%&other=x&label=&label=a&label=a')).toEqual({
      ...none,
      labels: ['a'],
    });
    // At most 16 labels, as the API takes.
    const many = Array.from({ length: 20 }, (_, i) => `label=l${i}`).join('&');
    expect(ui.readFilters(`#${many}`).labels).toHaveLength(16);
  });

  it('writes a hash that reads back the same filters, whatever the values hold', () => {
    const filters: Filters = {
      template: 'a&b=c#d',
      network: 'name with spaces + plus',
      labels: ['x=1,2', 'k=v&w', 'é=ü', '%41'],
    };
    const hash = ui.filtersHash(filters);
    expect(hash.startsWith('#')).toBe(true);
    expect(hash.slice(1)).not.toMatch(/[ #]/);
    expect(ui.readFilters(hash)).toEqual(filters);
    expect(ui.filtersHash(none)).toBe('');
  });

  it('asks the topology with every filter, the same for the svg and the json form', () => {
    const filters: Filters = { template: 'tour', network: 'de mo', labels: ['team=a', 'tier'] };
    expect(ui.topologyPath('svg', filters)).toBe(
      '/api/v1/topology?format=svg&template=tour&network=de%20mo&label=team%3Da&label=tier',
    );
    expect(ui.topologyPath('json', none)).toBe('/api/v1/topology?format=json');
  });

  it('splits the label box at commas, without blanks or repeats', () => {
    expect(ui.parseLabels('')).toEqual([]);
    expect(ui.parseLabels(' team=a , tier,, team=a ,')).toEqual(['team=a', 'tier']);
  });

  it("renames the service's SVG <style> so that parsing it applies no inline style (the page's CSP), keeping its CSS", () => {
    const svg = renderSvg(walkthrough(), { theme: 'dark' });
    const css = /<style>([\s\S]*?)<\/style>/.exec(svg)?.[1];
    expect(css).toBeTruthy();
    const renamed = ui.renameStyles(svg);
    expect(renamed).not.toMatch(/<\/?style[\s>/]/);
    expect(renamed).toContain(`<sy-style>${css}</sy-style>`);
    expect(XMLValidator.validate(renamed)).toBe(true);
    // Only the tags: the rest of the document is untouched.
    expect(renamed.replace(/sy-style/g, 'style')).toBe(svg);
    expect(ui.renameStyles('<svg><text>&lt;style&gt;</text><styles/></svg>')).toBe(
      '<svg><text>&lt;style&gt;</text><styles/></svg>',
    );
    expect(ui.renameStyles('<svg><style type="text/css"/></svg>')).toBe(
      '<svg><sy-style type="text/css"/></svg>',
    );
  });
});
