// Reads receiver definitions from a file or a directory (a mounted ConfigMap): every
// *.yaml|*.yml|*.json file, every document in it. Hidden entries (Kubernetes' `..data` and
// timestamped directories) are skipped; the visible names are symlinks through `..data`.
import * as fs from 'fs';
import * as path from 'path';
import { Composer, LineCounter, Parser, YAMLError } from 'yaml';

const DEFINITION_FILE = /\.(ya?ml|json)$/i;

export interface ParsedDocument {
  readonly file: string;
  /** 1-based position in the file. */
  readonly index: number;
  readonly value?: unknown;
  /** A YAML/JSON syntax error. */
  readonly syntaxError?: string;
}

/** The definition files under `location`, sorted by name. Throws when `location` does not exist. */
export function definitionFiles(location: string): string[] {
  const stat = fs.statSync(location);
  if (!stat.isDirectory()) return [location];
  return fs
    .readdirSync(location)
    .filter((name) => !name.startsWith('.') && DEFINITION_FILE.test(name))
    .sort()
    .map((name) => path.join(location, name))
    .filter((file) => fs.statSync(file).isFile());
}

/**
 * The non-empty documents of `file`, parsed one at a time as they are asked for: a caller can
 * yield to the event loop between two documents of a large file (file-receiver-source.ts).
 */
export function* definitionDocuments(file: string): Generator<ParsedDocument> {
  const text = fs.readFileSync(file, 'utf8');
  const lines = new LineCounter();
  let i = 0;
  for (const doc of new Composer().compose(new Parser(lines.addNewLine).parse(text))) {
    i++;
    if (doc.errors.length > 0) {
      yield { file, index: i, syntaxError: located(doc.errors[0], lines) };
      continue;
    }
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) yield { file, index: i, value };
  }
}

/** The error's first line as the yaml package words it with its position (`… at line 3, column 1:`). */
function located(error: YAMLError, lines: LineCounter): string {
  const message = error.message.split('\n')[0];
  if (error.pos[0] === -1) return message;
  const { line, col } = lines.linePos(error.pos[0]);
  return `${message} at line ${line}, column ${col}:`;
}
