import fc from 'fast-check';
import { escapeDollars, uninterpolate } from '../../src/templates/compose/interpolation';
import { shellSplit } from '../../src/templates/compose/shell-split';

// Expected values computed once with Python's shlex.split (what docker-py runs on a string command).
const SHLEX: [string, string[] | null][] = [
  ['a b  c', ['a', 'b', 'c']],
  ['  lead trail  ', ['lead', 'trail']],
  [`'single "x" \\\\'`, ['single "x" \\\\']],
  ['"dbl \\"q\\" \\\\ \\$ \\a"', ['dbl "q" \\ \\$ \\a']],
  ['back\\ slash', ['back slash']],
  [`mix'ed'"quo"tes`, ['mixedquotes']],
  ["''", ['']],
  ['""', ['']],
  ['a "" b', ['a', '', 'b']],
  ['#not comment', ['#not', 'comment']],
  ['tab\tsep\nnl\rcr', ['tab', 'sep', 'nl', 'cr']],
  [`'it'\\''s'`, ["it's"]],
  ['x\\\\y', ['x\\y']],
  ['"a\\\nb"', ['a\\\nb']],
  ['é\u00a0ü', ['é\u00a0ü']],
  ['', []],
  [`sh -c 'echo "$HOME" && ls'`, ['sh', '-c', 'echo "$HOME" && ls']],
  ["'open", null],
  ['"open', null],
  ['trail\\', null],
  ['"esc\\', null],
];

describe('compose string commands: split like shlex.split', () => {
  it.each(SHLEX)('%j', (text, words) => {
    expect(shellSplit(text)).toEqual(words);
  });

  it('gives back any argv quoted the way shlex.quote quotes it', () => {
    const quote = (word: string) => `'${word.replace(/'/g, `'"'"'`)}'`;
    fc.assert(
      fc.property(fc.array(fc.string()), (words) => {
        expect(shellSplit(words.map(quote).join(' '))).toEqual(words);
      }),
    );
  });
});

describe('compose interpolation', () => {
  it('reads $$ as a dollar and refuses variables and lone dollars', () => {
    expect(uninterpolate('a$$b $$ $$$$')).toEqual({ value: 'a$b $ $$' });
    for (const text of ['$HOME', '${HOME}', '${A:-b}', '${A?err}', '$', 'a $ b', '$1', '${1}']) {
      expect(uninterpolate(text)).toEqual({ problem: expect.any(String) as unknown });
    }
  });

  it('escapes any string so that compose reads it back unchanged', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(uninterpolate(escapeDollars(text))).toEqual({ value: text });
      }),
    );
  });
});
