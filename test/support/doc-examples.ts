// The doc test's reading of the documentation (docs/testing.md, "Doc test"): every ```sh block
// of a document, command by command, with the answer the text shows for each; the ```graphql
// blocks, operation by operation; and the `# doc-test:` marks. Pure functions: the unit tier
// tests them (test/unit/doc-examples.spec.ts), the e2e tier runs what they find
// (test/e2e/docs.e2e-spec.ts).

// What the text shows as a command's answer.
export interface Expectation {
  status?: number; // `# 204`: the HTTP status of the command's curl
  json?: Pattern; // `# {"network":"backend",...}` or a ```json block right after the sh block
}

export interface DocCommand {
  line: number; // 1-based line of the command's first line in its document
  kind: 'sh' | 'graphql';
  text: string; // sh: the command as written, without its trailing comment; graphql: the operation
  expect: Expectation;
  skip?: string; // the reason of a `# doc-test: skip - <reason>` mark
}

// A relaxed JSON value as the docs show answers: JSON, plus `...` for "any value" (as an
// array's last element: any further elements; inside an object: nothing, objects are matched on
// the fields they show).
export const ANY = Symbol('any');
export type Pattern = null | boolean | number | string | typeof ANY | Pattern[] | { [key: string]: Pattern };

const MARK = /^#\s*doc-test:\s*(.*)$/;
const SKIP = /^skip\s+-\s+(\S.*)$/;

// Reads a `# doc-test: ...` mark; an unknown one is an error, so that a typo never passes silently.
function readMark(comment: string, where: string): string | null {
  const mark = MARK.exec(comment.trim());
  if (!mark) return null;
  const skip = SKIP.exec(mark[1].trim());
  if (!skip)
    throw new Error(
      `${where}: unknown doc-test mark "${comment.trim()}" (known: "# doc-test: skip - <reason>")`,
    );
  return skip[1].trim();
}

// Splits a shell line into its code and a trailing `# comment` (a # outside quotes, at the start or
// after a space), carrying the quote state of a command that spans lines.
function splitComment(
  line: string,
  quote: "'" | '"' | null,
): { code: string; comment: string | null; quote: "'" | '"' | null } {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i), quote };
    }
  }
  return { code: line, comment: null, quote };
}

// An answer shown in a comment: a status (`# 204`, anything after it is prose) or a JSON value
// (`# {...}` or `# [...]`, continued on the following comment lines, prose after it ignored).
function answerStart(comment: string): 'status' | 'json' | null {
  const text = comment.replace(/^#\s*/, '');
  if (/^[1-5]\d\d\b/.test(text)) return 'status';
  if (/^[{[]/.test(text)) return 'json';
  return null;
}

// Reads the start of an answer comment into the command's expectation: the status at once, and
// the JSON text (after a status or alone) to be read to its end.
function startAnswer(command: DocCommand, comment: string): { command: DocCommand; text: string } | null {
  let text = comment.replace(/^#\s*/, '');
  const start = answerStart(comment);
  if (start === 'status') {
    command.expect.status = Number(text.slice(0, 3));
    text = text.slice(3).trim();
    if (!/^[{[]/.test(text)) return null;
  }
  return start ? { command, text } : null;
}

interface Block {
  lang: string;
  line: number; // line of the first content line
  lines: string[];
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let open: Block | null = null;
  lines.forEach((line, index) => {
    const fence = /^```\s*([\w-]*)\s*$/.exec(line);
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push(open);
        open = null;
      } else open.lines.push(line);
    } else if (fence) open = { lang: fence[1], line: index + 2, lines: [] };
  });
  if (open) throw new Error(`a code block opened at line ${(open as Block).line - 1} is never closed`);
  return blocks;
}

export function shCommands(block: Block, where: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let current: DocCommand | null = null; // a command still being written (continuation, open quote)
  let quote: "'" | '"' | null = null;
  let last: DocCommand | null = null; // the command the next answer comment belongs to
  let answer: { command: DocCommand; text: string } | null = null; // a JSON answer being read
  let pendingSkip: string | null = null;
  const finishAnswer = () => {
    if (answer) answer.command.expect.json = parsePattern(answer.text, `${where}:${answer.command.line}`);
    answer = null;
  };
  block.lines.forEach((raw, i) => {
    const line = block.line + i;
    const at = `${where}:${line}`;
    if (!current) {
      const trimmed = raw.trim();
      if (trimmed === '') return;
      if (trimmed.startsWith('#')) {
        const skip = readMark(trimmed, at);
        if (skip !== null) {
          finishAnswer();
          pendingSkip = skip;
          return;
        }
        // A comment line: continues a JSON answer being read, starts one for the last command,
        // or is prose.
        if (answer && !balanced(answer.text)) {
          answer.text += ' ' + trimmed.replace(/^#\s*/, '');
          return;
        }
        finishAnswer();
        if (
          answerStart(trimmed) &&
          last &&
          last.expect.status === undefined &&
          last.expect.json === undefined
        )
          answer = startAnswer(last, trimmed);
        return;
      }
      finishAnswer();
      current = { line, kind: 'sh', text: '', expect: {} };
      if (pendingSkip !== null) current.skip = pendingSkip;
      pendingSkip = null;
    }
    const { code, comment, quote: after } = splitComment(raw, quote);
    quote = after;
    current.text += (current.text ? '\n' : '') + (comment === null ? raw : code);
    const continued = quote !== null || /\\$/.test(code);
    if (comment !== null && !quote) {
      const skip = readMark(comment, at);
      if (skip !== null) current.skip = skip;
      else answer = startAnswer(current, comment);
    }
    if (!continued) {
      commands.push(current);
      last = current;
      current = null;
      if (answer && balanced((answer as { text: string }).text)) finishAnswer();
    }
  });
  finishAnswer();
  if (current)
    throw new Error(
      `${where}:${(current as DocCommand).line}: the command never ends (an open quote or a trailing \\)`,
    );
  if (pendingSkip !== null)
    throw new Error(`${where}: a doc-test mark at the end of a block names no command`);
  return commands;
}

// The operations of a ```graphql block, each from a line that starts (at column 0) with
// `query`, `mutation`, `subscription` or `{`; a `# doc-test: skip - why` line marks the next one.
export function graphqlOperations(block: Block, where: string): DocCommand[] {
  const operations: DocCommand[] = [];
  let pendingSkip: string | null = null;
  block.lines.forEach((raw, i) => {
    const line = block.line + i;
    const skip = raw.startsWith('#') ? readMark(raw, `${where}:${line}`) : null;
    if (skip !== null) pendingSkip = skip;
    else if (/^(query|mutation|subscription)\b|^\{/.test(raw)) {
      const operation: DocCommand = { line, kind: 'graphql', text: raw, expect: {} };
      if (pendingSkip !== null) operation.skip = pendingSkip;
      pendingSkip = null;
      operations.push(operation);
    } else if (operations.length && !raw.startsWith('#')) {
      operations[operations.length - 1].text += '\n' + raw;
    }
  });
  for (const operation of operations) operation.text = operation.text.trimEnd();
  return operations;
}

// Every example of a document, in order: each ```sh command, each operation of a ```graphql block
// (when `graphql` is true), and a ```json block that directly follows a ```sh block as the answer
// of that block's last command.
export function docCommands(markdown: string, where: string, options: { graphql: boolean }): DocCommand[] {
  const commands: DocCommand[] = [];
  let previous: { lang: string; last?: DocCommand } | null = null;
  for (const block of fencedBlocks(markdown)) {
    if (block.lang === 'sh') {
      const found = shCommands(block, where);
      commands.push(...found);
      previous = { lang: 'sh', last: found[found.length - 1] };
      continue;
    }
    if (block.lang === 'json' && previous?.lang === 'sh' && previous.last) {
      const target = previous.last;
      if (target.expect.json !== undefined)
        throw new Error(`${where}:${block.line}: the command at line ${target.line} already shows an answer`);
      target.expect.json = parsePattern(block.lines.join('\n'), `${where}:${block.line}`);
    }
    if (block.lang === 'graphql' && options.graphql) commands.push(...graphqlOperations(block, where));
    previous = { lang: block.lang };
  }
  return commands;
}

// Whether a JSON answer's text has closed its first value (strings respected).
function balanced(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return true;
    }
  }
  return false;
}

// Parses the first relaxed JSON value of `text`; what follows it is prose and ignored.
export function parsePattern(text: string, where: string): Pattern {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(
      `${where}: the answer shown is not JSON (${what} at "${text.slice(i, i + 20)}"): ${text}`,
    );
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const ellipsis = () => {
    if (text.startsWith('...', i)) {
      i += 3;
      return true;
    }
    return false;
  };
  const value = (): Pattern => {
    space();
    if (ellipsis()) return ANY;
    const c = text[i];
    if (c === '{') {
      i++;
      const object: { [key: string]: Pattern } = {};
      for (;;) {
        space();
        if (text[i] === '}') return (i++, object);
        if (!ellipsis()) {
          if (text[i] !== '"') fail('a field name');
          const key = string();
          space();
          if (text[i++] !== ':') fail('a colon');
          object[key] = value();
        }
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('a comma or }');
      }
    }
    if (c === '[') {
      i++;
      const array: Pattern[] = [];
      for (;;) {
        space();
        if (text[i] === ']') return (i++, array);
        array.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('a comma or ]');
      }
    }
    if (c === '"') return string();
    const literal = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) return fail('a value');
    i += literal[0].length;
    return JSON.parse(literal[0]) as Pattern;
  };
  const string = (): string => {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
    if (!match) return fail('a string');
    i += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  return value();
}

// Fields whose values change from run to run (ids, times, durations, counts of a growing log):
// compared by type, not value.
const LOOSE =
  /^(id|.*Id|.*At|at|timestamp|durationMs|latencyMs|min|avg|max|checked|hash|prevHash|nextCursor)$/;

// Compares an answer with the pattern the text shows; returns the differences (empty: it matches).
export function matchPattern(pattern: Pattern, actual: unknown, path = '$', key = ''): string[] {
  if (pattern === ANY) return [];
  if (typeof pattern === 'string' && pattern.endsWith('...')) {
    const prefix = pattern.slice(0, -3);
    if (typeof actual !== 'string')
      return [`${path}: expected a string like "${pattern}", got ${JSON.stringify(actual)}`];
    if (
      prefix === '' ||
      (/^[0-9a-f]+$/.test(prefix) && /^[0-9a-f]+$/.test(actual)) ||
      actual.startsWith(prefix)
    )
      return [];
    return [`${path}: expected a string like "${pattern}", got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    const open = pattern[pattern.length - 1] === ANY;
    const shown = open ? pattern.slice(0, -1) : pattern;
    if (open ? actual.length < shown.length : actual.length !== shown.length)
      return [
        `${path}: expected ${open ? 'at least ' : ''}${shown.length} items, got ${JSON.stringify(actual)}`,
      ];
    return shown.flatMap((p, n) => matchPattern(p, actual[n], `${path}[${n}]`));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const object = actual as Record<string, unknown>;
    return Object.entries(pattern).flatMap(([k, p]) =>
      k in object ? matchPattern(p, object[k], `${path}.${k}`, k) : [`${path}.${k}: missing`],
    );
  }
  if (pattern !== null && LOOSE.test(key)) {
    return typeof actual === typeof pattern
      ? []
      : [`${path}: expected a ${typeof pattern}, got ${JSON.stringify(actual)}`];
  }
  return Object.is(pattern, actual)
    ? []
    : [`${path}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
}
