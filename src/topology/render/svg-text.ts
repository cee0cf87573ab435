// Text for the topology SVG: how wide a label is (computed, never guessed), truncation with an
// ellipsis, and XML escaping. Names, aliases and labels come from the engine and from users: they
// are hostile input, so everything that reaches the document goes through `xmlText`/`xmlAttr`.

// The SVG sets this font stack on every text; all of these are monospace with an advance of about
// 0.6em: DejaVu Sans Mono's is 1233/2048 em (measured in headless Chromium: 0.6021em per character),
// Liberation Mono, Menlo and Courier 0.6em, Consolas 0.55em (narrower: spare room). The renderer
// also pins every text's length with `textLength`, so a fallback font cannot make a label outgrow
// its box.
export const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace";
export const ADVANCE_EM = 1233 / 2048;

// Zero-width: combining marks, variation selectors (both marks), joiners and bidi controls (format).
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

// Two columns: East Asian wide and fullwidth forms, and emoji (what terminals draw double-width).
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2-\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}]/u;

// Scripts a monospace font covers at one column (Latin, Greek, Cyrillic, punctuation, box drawing).
const NARROW = /[\u0020-\u052f\u1e00-\u1fff\u2000-\u206f\u20a0-\u20cf\u2100-\u27bf\u2800-\u28ff]/u;

// Bidirectional controls (embeddings and overrides U+202A-202E, isolates U+2066-2069, the marks
// U+200E/200F, the Arabic letter mark U+061C) reorder what follows them: a name `x\u202Eatem-nimda` would be drawn `xadmin-meta`.
// Drawn text shows each as `?`, as log lines do (logSafe); the JSON keeps the exact value.
export const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
export const BIDI_SHOWN_AS = '?';
export const withoutBidi = (text: string): string => text.replace(BIDI, BIDI_SHOWN_AS);

// The columns one code point takes (a bidi control is drawn as `?`: one column). Scripts outside the monospace font (Arabic, Devanagari, ...)
// fall back to a proportional font whose glyphs may be wider than 0.6em: counted 1.5 to be safe.
export function columns(char: string): number {
  if (withoutBidi(char) !== char) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  if (WIDE.test(char)) return 2;
  if (NARROW.test(char)) return 1;
  return 1.5;
}

export function textColumns(text: string): number {
  let total = 0;
  for (const char of text) total += columns(char);
  return total;
}

// Width in user units of `text` at `fontSize` in the monospace stack.
export function textWidth(text: string, fontSize: number): number {
  return textColumns(text) * fontSize * ADVANCE_EM;
}

// At most `maxColumns` columns; longer text keeps its start and ends with an ellipsis (the full
// text goes in a <title>). Cuts between code points, never inside a surrogate pair.
export function truncate(text: string, maxColumns: number): string {
  if (textColumns(text) <= maxColumns) return text;
  let used = 1; // the ellipsis
  let out = '';
  for (const char of text) {
    const width = columns(char);
    if (used + width > maxColumns) break;
    used += width;
    out += char;
  }
  return `${out}\u2026`;
}

// Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/FFFF)
// would make the document unparseable: they become U+FFFD. With the `u` flag a surrogate range
// only matches a lone surrogate, never half of a pair. Bidi controls are shown as `?`.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/gu;

export function xmlSafe(text: string): string {
  return withoutBidi(text.replace(NOT_XML, '\ufffd'));
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// Element content. `>` is escaped too, so `]]>` can never appear.
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

// Attribute values (always written in double quotes). Newlines and tabs are kept as character
// references: an attribute value's literal whitespace is normalised to spaces by XML parsers.
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/[\t\n\r]/g, (char) => `&#${char.charCodeAt(0)};`);
}
