import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLError,
} from 'yaml';
import { type DomainError } from '../../common/errors/domain-error';
import { MAX_JSON_DEPTH } from '../../common/http/json-depth';
import { templateInvalid } from './template-problems';

// YAML bodies (templates and compose files), read as plain JSON data and nothing more: the core
// schema only (no `!!binary`, `!!set`, `!js/...` or local tags), unique keys, merge keys (`<<:
// *common`, common in compose files) of mappings, one document whose top level is a mapping. Anchors and aliases are allowed, but what they expand to
// is measured before anything is built, so that a small text cannot become a huge value
// ("billion laughs").

export const MAX_YAML_CHARS = 2 * 1024 * 1024;
// The size of the value the text stands for, measured as JSON text.
export const MAX_EXPANDED_CHARS = 2 * 1024 * 1024;
// The yaml package's own bound on nested alias amplification, kept as a second guard.
const MAX_ALIAS_COUNT = 100;

const CORE_TAGS: ReadonlySet<string> = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

class YamlRefusal extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function refusal(line: number, column: number, what: string): DomainError {
  return templateInvalid([{ path: '$', message: `line ${line}, column ${column}: ${what}` }]);
}

// The parser's message without its own position and excerpt (the problem gives the position).
// A duplicate key is named (the parser only says keys must be unique).
function shortMessage(error: YAMLError, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = DUPLICATE_KEY.exec(text.slice(error.pos[0]))?.[1]?.trim();
    const shown = key && /^["']/.test(key) ? key : JSON.stringify(key);
    if (key) return `the key ${shown} appears twice in one mapping (keys must be unique); keep one`;
  }
  // The parser recurses: a document nested deeply enough exhausts its stack, which it reports
  // as a problem of the text.
  if (/Maximum call stack size exceeded/.test(error.message))
    return `nests more than ${MAX_JSON_DEPTH} levels deep`;
  const first = error.message.split('\n')[0];
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

// The key at the start of a duplicate: quoted, or plain up to its colon.
const DUPLICATE_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\n]*?)\s*:(?:\s|$)/;

// `<<` read as a merge key (the parser gives it a symbol of its own).
const isMergeKey = (key: unknown): key is Scalar => isScalar(key) && typeof key.value === 'symbol';

// Measures the JSON size of every node once (an alias counts what its anchor holds), refusing
// custom tags, keys that are not scalars, aliases to an enclosing node, and nesting or
// expansion past the bounds. Linear in the size of the text.
class Expansion {
  private readonly sizes = new Map<Node, number>();
  // The anchors defined so far, in document order: an alias names the latest one before it.
  private readonly anchors = new Map<string, Node>();
  private readonly open = new Set<Node>();

  size(node: Node | null, depth: number): number {
    if (node === null) return 4; // null
    const offset = node.range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (!target)
        throw new YamlRefusal(offset, `alias *${node.source} has no anchor &${node.source} before it`);
      if (this.open.has(target)) {
        throw new YamlRefusal(offset, `alias *${node.source} refers to a node that contains it`);
      }
      return this.bounded(this.sizes.get(target) ?? 0, offset);
    }
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      throw new YamlRefusal(
        offset,
        `the tag ${node.tag} is not allowed: only plain YAML data (strings, numbers, booleans, null, mappings, lists)`,
      );
    }
    if (node.anchor) this.anchors.set(node.anchor, node);
    if (depth > MAX_JSON_DEPTH) {
      throw new YamlRefusal(offset, `nests mappings and lists more than ${MAX_JSON_DEPTH} levels deep`);
    }
    this.open.add(node);
    let size: number;
    if (isScalar(node)) {
      size = JSON.stringify(node.value)?.length ?? 4;
    } else if (isMap(node)) {
      size = 2;
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (pair.key !== null && !isScalar(pair.key)) {
          throw new YamlRefusal(
            (pair.key as Node).range?.[0] ?? offset,
            'a mapping key must be a plain value (a string), not a mapping, list or alias',
          );
        }
        if (isMergeKey(pair.key)) this.mergeSource(pair.value as Node | null, pair.key.range?.[0] ?? offset);
        size += this.size(pair.key, depth + 1) + 2 + this.size(pair.value as Node | null, depth + 1);
        size = this.bounded(size, offset);
      }
    } else if (isSeq(node)) {
      size = 2;
      for (const item of node.items) {
        size = this.bounded(size + this.size(item as Node | null, depth + 1) + 1, offset);
      }
    } else {
      throw new YamlRefusal(offset, 'is not plain YAML data');
    }
    this.open.delete(node);
    this.sizes.set(node, size);
    return size;
  }

  // `<<: *base` (or a list of them) merges mappings; anything else has no meaning. What it adds
  // is no more than the size of its value, which is counted like any other.
  private mergeSource(value: Node | null, offset: number): void {
    const mapping = (node: unknown) => isMap(node) || (isAlias(node) && isMap(this.anchors.get(node.source)));
    const ok = mapping(value) || (isSeq(value) && value.items.every(mapping));
    if (!ok) {
      throw new YamlRefusal(
        value?.range?.[0] ?? offset,
        'a merge key (<<) takes a mapping, an alias of one (<<: *common) or a list of them; quote "<<" for a plain key',
      );
    }
  }

  private bounded(size: number, offset: number): number {
    if (size > MAX_EXPANDED_CHARS) {
      throw new YamlRefusal(
        offset,
        `expands to more than ${MAX_EXPANDED_CHARS / (1024 * 1024)} MiB of data (aliases repeat what their anchors hold); send a smaller document`,
      );
    }
    return size;
  }
}

function firstProblem(doc: Document.Parsed): YAMLError | undefined {
  // Warnings too: an unresolved tag is only a warning to the parser, and its value a guess.
  return doc.errors[0] ?? doc.warnings[0];
}

// Parses a YAML body into plain data. Throws TEMPLATE_INVALID with one problem at `$` whose
// message gives the line and column.
export function parseTemplateYaml(text: string): unknown {
  if (text.length > MAX_YAML_CHARS) {
    throw refusal(1, 1, `the YAML text is longer than ${MAX_YAML_CHARS} characters`);
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      schema: 'core',
      uniqueKeys: true,
      merge: true,
      strict: true,
      prettyErrors: true,
      lineCounter,
    });
  } catch (error) {
    // The parser recurses: text nested deeply enough exhausts the stack.
    if (error instanceof RangeError) throw refusal(1, 1, `nests more than ${MAX_JSON_DEPTH} levels deep`);
    throw error;
  }
  const problem = firstProblem(doc);
  if (problem) {
    const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
    throw refusal(position.line, position.col, shortMessage(problem, text));
  }
  const contents = doc.contents;
  if (!isMap(contents)) {
    const position = lineCounter.linePos(contents?.range?.[0] ?? 0);
    const what = contents === null ? 'nothing' : isSeq(contents) ? 'a list' : 'a single value';
    throw refusal(
      position.line,
      position.col,
      `the document must be a mapping (name: ..., networks: ...), not ${what}`,
    );
  }
  try {
    new Expansion().size(contents, 1);
  } catch (error) {
    if (!(error instanceof YamlRefusal)) throw error;
    const position = lineCounter.linePos(error.offset);
    throw refusal(position.line, position.col, error.message);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError) throw refusal(1, 1, error.message);
    throw error;
  }
}
