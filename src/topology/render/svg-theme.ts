// The topology SVG's colours: one palette per theme, written as plain CSS rules (no custom
// properties: renderers other than browsers, such as librsvg, may not know them). Every selector is
// scoped to `.sy-topology`, so a page that inlines the SVG keeps its own styles. Text colours meet
// WCAG AA (4.5:1) on what they are drawn on, icons and lines 3:1; the unit test computes it.
import { FONT_FAMILY } from './svg-text';

export interface Palette {
  bg: string;
  text: string;
  muted: string;
  containerFill: string;
  containerStroke: string;
  networkFill: string;
  networkStroke: string;
  tagFill: string;
  tagText: string;
  edge: string;
  edgeLabelFill: string;
  running: string;
  stopped: string;
  other: string;
  passed: string;
  failed: string;
  unchecked: string;
  focus: string;
}

export const PALETTES: Record<'light' | 'dark', Palette> = {
  light: {
    bg: '#ffffff',
    text: '#1f2328',
    muted: '#59636e',
    containerFill: '#f6f8fa',
    containerStroke: '#59636e',
    networkFill: '#ddf4ff',
    networkStroke: '#0969da',
    tagFill: '#0550ae',
    tagText: '#ffffff',
    edge: '#6e7781',
    edgeLabelFill: '#ffffff',
    running: '#116329',
    stopped: '#59636e',
    other: '#7d4e00',
    passed: '#116329',
    failed: '#b8141f',
    unchecked: '#59636e',
    focus: '#bf3989',
  },
  dark: {
    bg: '#0d1117',
    text: '#e6edf3',
    muted: '#9ea7b3',
    containerFill: '#161b22',
    containerStroke: '#9198a1',
    networkFill: '#0c2d6b',
    networkStroke: '#4493f8',
    tagFill: '#4493f8',
    tagText: '#0d1117',
    edge: '#8b949e',
    edgeLabelFill: '#0d1117',
    running: '#3fb950',
    stopped: '#9ea7b3',
    other: '#d29922',
    passed: '#3fb950',
    failed: '#ff7b72',
    unchecked: '#9198a1',
    focus: '#f778ba',
  },
};

const S = '.sy-topology';

function rules(p: Palette): string {
  return [
    `${S} .bg{fill:${p.bg}}`,
    `${S} text{fill:${p.text}}`,
    `${S} .muted{fill:${p.muted}}`,
    `${S} .node-container>.shape{fill:${p.containerFill};stroke:${p.containerStroke}}`,
    `${S} .node-network>.shape{fill:${p.networkFill};stroke:${p.networkStroke}}`,
    `${S} .tag>rect{fill:${p.tagFill}}`,
    `${S} .tag>text{fill:${p.tagText}}`,
    `${S} .edge>path{stroke:${p.edge}}`,
    `${S} .edge-label>rect{fill:${p.edgeLabelFill};stroke:${p.edge}}`,
    ...(['running', 'stopped', 'other'] as const).map(
      (s) => `${S} .state-${s} .state-icon{fill:${p[s]}}${S} .state-${s} .state-word{fill:${p[s]}}`,
    ),
    ...(['passed', 'failed', 'unchecked'] as const).map(
      (s) =>
        `${S} .expectation-${s}>.arc{stroke:${p[s]}}${S} .expectation-${s}>.arrow{fill:${p[s]}}` +
        `${S} .expectation-${s} .mark-bg{fill:${p[s]}}`,
    ),
    `${S} .mark-glyph{stroke:${p.bg}}${S} text.mark-glyph{fill:${p.bg};stroke:none}`,
    `${S} .node:focus>.shape,${S} .node:hover>.shape,${S} .expectation:focus .mark-bg{stroke:${p.focus};stroke-width:3}`,
  ].join('\n');
}

// Theme-independent rules: shapes, dashes, fonts.
const BASE = [
  `${S}{font-family:${FONT_FAMILY}}`,
  `${S} text{dominant-baseline:central;white-space:pre}`,
  `${S} .name{font-weight:700}`,
  `${S} .node{cursor:pointer}`,
  `${S} .node:focus,${S} .expectation:focus{outline:none}`,
  `${S} .node>.shape{stroke-width:1.5}`,
  `${S} .edge>path{fill:none;stroke-width:1.5}`,
  `${S} .edge-label>rect{stroke-width:0.75}`,
  `${S} .expectation>.arc{fill:none;stroke-width:2;stroke-dasharray:7 4}`,
  `${S} .expect-unreachable>.arc{stroke-dasharray:2 4;stroke-linecap:round}`,
  `${S} .mark-glyph{fill:none;stroke-width:2.2;stroke-linecap:round;stroke-linejoin:round}`,
].join('\n');

export type Theme = 'light' | 'dark' | 'auto';

// The <style> content for a theme: 'auto' is light with the dark palette under
// `prefers-color-scheme: dark`.
export function themeCss(theme: Theme): string {
  if (theme === 'auto') {
    return `${BASE}\n${rules(PALETTES.light)}\n@media (prefers-color-scheme: dark){\n${rules(PALETTES.dark)}\n}`;
  }
  return `${BASE}\n${rules(PALETTES[theme])}`;
}
