import type { Document } from 'yaml';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { POLICY_JSON_SCHEMA } from './schema.js';
import type { PolicyProblem } from './types.js';

/** Every field name the policy schema knows: the only words of a file a syntax message may repeat. */
const SCHEMA_FIELDS: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    if (properties && typeof properties === 'object') for (const name of Object.keys(properties)) names.add(name);
    for (const child of Object.values(node as object)) visit(child);
  };
  visit(POLICY_JSON_SCHEMA);
  return names;
})();

/** One YAML document of a policy file, with what is needed to point at any of its fields. */
export interface ParsedDocument {
  file: string;
  /** 1-based line where the document starts (after any leading comments or ---). */
  line: number;
  /** The document as plain data (undefined for an empty document). */
  data: unknown;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** Dotted display path for a list of keys and indexes (spec.target.clusters[0]). */
export function displayPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/**
 * Splits a file into YAML documents. Syntax errors (tabs, unclosed quotes, duplicate keys, ...) become
 * problems located by line and column; a file with such errors yields no documents, so a half-read policy is
 * never used.
 */
export function parseYamlFile(
  file: string,
  content: string,
  maxDocumentBytes: number,
): { documents: ParsedDocument[]; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const at = (
    line: number,
    column: number,
    message: string,
    severity: PolicyProblem['severity'] = 'error',
    path = '',
  ) => problems.push({ file, line, column, path, message, severity });

  const nul = content.indexOf('\0');
  if (nul >= 0) {
    at(0, 0, 'not a YAML file: it holds binary data (a NUL byte)');
    return { documents: [], problems };
  }
  if (content.trim() === '') {
    at(0, 0, 'file is empty: it holds no policy; delete it or add a DiscoveryPolicy document');
    return { documents: [], problems };
  }
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(content, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const documentless =
    !Array.isArray(parsed) ||
    parsed.every((d) => d.errors.length === 0 && (d.contents === null || d.contents === undefined));
  if (documentless) {
    // Only comments or separators: nothing is lost (a retired policy, commented out), but say so.
    at(0, 0, 'file holds only comments, no YAML document', 'warning');
    return { documents: [], problems };
  }
  let syntaxErrors = 0;
  for (const doc of parsed) {
    for (const error of doc.errors) {
      const { line, col } = lineCounter.linePos(errorOffset(error.code, error.message, content, error.pos[0]));
      at(line, col, describeYamlError(error.code, error.message, content, error.pos[0]));
      syntaxErrors += 1;
    }
    for (const warning of doc.warnings) {
      const { line, col } = lineCounter.linePos(warning.pos[0]);
      at(line, col, withoutContent(warning.message), 'warning');
    }
  }
  if (syntaxErrors > 0) return { documents: [], problems };

  const documents: ParsedDocument[] = [];
  for (const doc of parsed) {
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const end = doc.range[2] ?? doc.range[1];
    const { line } = lineCounter.linePos(start);
    if (Buffer.byteLength(content.slice(doc.range[0], end)) > maxDocumentBytes) {
      at(line, 1, `document is over the ${maxDocumentBytes}-byte limit for one policy; split it`);
      continue;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Alias bombs and unresolvable aliases: the parser refuses them rather than exhausting memory.
      at(line, 1, `cannot read document: ${withoutContent((error as Error).message)}`);
      continue;
    }
    documents.push({ file, line, data, doc, lineCounter });
  }
  return { documents, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The parser's message without the part that quotes the file (an alias or tag name, a token): whatever the file
 * is (a credentials file behind a symlink, a pasted secret), no problem, log line or /status field repeats it.
 * Line and column still point at the spot.
 */
function withoutContent(message: string): string {
  const line = firstLine(message);
  const colon = line.indexOf(': ');
  return colon >= 0 ? line.slice(0, colon) : line;
}

const UNCLOSED_QUOTE = /^Missing closing (["'])quote/;

/** Where to point: the parser notices an unclosed quote at the end of the file; the user needs its start. */
function errorOffset(code: string, message: string, content: string, offset: number): number {
  const quote = code === 'MISSING_CHAR' ? UNCLOSED_QUOTE.exec(message)?.[1] : undefined;
  if (!quote) return offset;
  const opening = content.lastIndexOf(quote, Math.max(0, offset - 1));
  return opening >= 0 ? opening : offset;
}

function describeYamlError(code: string, message: string, content: string, offset: number): string {
  const quote = code === 'MISSING_CHAR' ? UNCLOSED_QUOTE.exec(message)?.[1] : undefined;
  if (quote) return `invalid YAML: the string opened with ${quote} here is never closed`;
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key = /^[^\s:]+|^"[^"]*"|^'[^']*'/.exec(content.slice(offset))?.[0]?.replace(/^["']|["']$/g, '');
      // Only a field name of the schema is repeated: any other key is the file's content.
      return `invalid YAML: duplicate key${key && SCHEMA_FIELDS.has(key) ? ` "${key}"` : ''}: each key may appear once in a mapping`;
    }
    case 'TAB_AS_INDENT':
      return 'invalid YAML: tab character used for indentation; YAML allows only spaces';
    default:
      return `invalid YAML: ${withoutContent(message)}`;
  }
}

/** Line and column (1-based) of a field: its key when `key` is true (unknown fields), else its value. */
export function locate(
  document: ParsedDocument,
  segments: readonly (string | number)[],
  key = false,
): { line: number; column: number } {
  let node: unknown = document.doc.contents;
  let offset = document.doc.contents?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      const keyNode = pair.key as { range?: [number, number, number] };
      if (last && key && keyNode.range) {
        offset = keyNode.range[0];
        node = undefined;
        break;
      }
      node = pair.value;
      const valueRange = isNode(node) ? node.range : undefined;
      offset = valueRange?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const { line, col } = document.lineCounter.linePos(offset);
  return { line, column: col };
}
