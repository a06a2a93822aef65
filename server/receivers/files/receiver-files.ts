// Reads receiver definitions from a file or a directory (a mounted ConfigMap): every
// *.yaml|*.yml|*.json file, every document in it. Hidden entries (Kubernetes' `..data` and
// timestamped directories) are skipped; the visible names are symlinks through `..data`.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

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

/** Every non-empty document of `file`. */
export function parseDefinitionFile(file: string): ParsedDocument[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: ParsedDocument[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      out.push({ file, index: i + 1, syntaxError: doc.errors[0].message.split('\n')[0] });
      return;
    }
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) out.push({ file, index: i + 1, value });
  });
  return out;
}
