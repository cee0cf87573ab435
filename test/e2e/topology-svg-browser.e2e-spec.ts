import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSvg } from '../../src/topology/render/svg';
import { launchBrowser, type HeadlessBrowser } from '../support/browser';
import { estate, walkthrough } from '../unit/topology-svg.fixtures';

// The topology SVG in a real renderer (Debian's chromium, headless): the layout computes every
// text's width from the monospace font's advance; here the browser draws the documents and the test
// measures what it drew. Every text's natural width (without the renderer's textLength pin) fits
// the width the layout reserved, and no drawn text box meets another text or another node's shape.
// It tests the renderer, not the engine.

interface Drawn {
  owner: string;
  box: { x: number; y: number; width: number; height: number };
}

interface Measured {
  texts: Array<Drawn & { text: string; natural: number; reserved: number }>;
  shapes: Drawn[];
}

const meets = (a: Drawn['box'], b: Drawn['box']) =>
  a.x < b.x + b.width - 0.5 &&
  b.x < a.x + a.width - 0.5 &&
  a.y < b.y + b.height - 0.5 &&
  b.y < a.y + a.height - 0.5;

describe('topology SVG in a browser', () => {
  let browser: HeadlessBrowser | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    const left = browser;
    browser = undefined;
    await left?.close();
  });

  // Loads the SVG inline in a page and measures every text and node shape, in SVG units.
  async function draw(svg: string, name: string): Promise<Measured> {
    const page = browser!.page;
    await page.setContent(`<!doctype html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>/, '')}</body>`);
    await page.screenshot({ path: join(browser!.dir, `${name}.png`), fullPage: true });
    writeFileSync(join(browser!.dir, `${name}.svg`), svg);
    return page.evaluate(() => {
      const owner = (e: Element) => {
        const g = e.closest('[data-id]');
        return g ? (g.getAttribute('data-id') ?? '') : '';
      };
      const plain = (r: DOMRect) => ({ x: r.x, y: r.y, width: r.width, height: r.height });
      const texts = [...document.querySelectorAll('svg text')].map((node) => {
        const t = node as SVGTextElement;
        // The natural width: the same text without its textLength pin.
        const probe = t.cloneNode(true) as SVGTextElement;
        probe.removeAttribute('textLength');
        probe.removeAttribute('lengthAdjust');
        t.parentNode!.appendChild(probe);
        const natural = probe.getComputedTextLength();
        probe.remove();
        return {
          owner: owner(t),
          text: t.textContent ?? '',
          natural,
          reserved: Number(t.getAttribute('textLength') ?? 0),
          box: plain(t.getBBox() as DOMRect),
        };
      });
      const shapes = [...document.querySelectorAll('svg .node > .shape')].map((s) => ({
        owner: owner(s),
        box: plain((s as SVGGraphicsElement).getBBox() as DOMRect),
      }));
      return { texts, shapes };
    });
  }

  it.each([
    ['walkthrough', () => walkthrough()],
    ['fifty-on-ten', () => estate(50, 10)],
  ])('draws the %s topology with every text in its box and none over another', async (name, graph) => {
    const { texts, shapes } = await draw(renderSvg(graph(), { theme: 'light' }), name);
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) {
      // DejaVu Sans Mono: 1233/2048 em per character, what the layout counts.
      expect({ text: t.text, fits: t.natural <= t.reserved + 0.5 }).toEqual({ text: t.text, fits: true });
    }
    const clashes: string[] = [];
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (meets(texts[i].box, texts[j].box)) clashes.push(`${texts[i].text} / ${texts[j].text}`);
      }
      for (const s of shapes) {
        if (s.owner !== texts[i].owner && meets(texts[i].box, s.box))
          clashes.push(`${texts[i].text} / ${s.owner}`);
      }
    }
    expect(clashes).toEqual([]);
  });
});
