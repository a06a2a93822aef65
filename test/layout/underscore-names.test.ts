// What a `_` prefix means in the construct library (CONTRIBUTING.md, "Layout rules"): a file in a
// `private` folder carries none (the folder says it), and in src/ a name starts with `_` only
// when it is a jsii internal member of an exported class (`_toSpec()`), never a `private` member
// or a module-level function or constant. The generated L1 classes of src/imports/ are not read.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, sourceFiles } from './_imports';

/** `private` members and module-level declarations whose name starts with `_`. */
const UNDERSCORE_DECLARATION = /^[ \t]*(?:private\s+(?:static\s+)?(?:readonly\s+)?(?:get\s+|set\s+|async\s+)?|(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class|enum|interface|type)\s+)(_\w*)/gm;

/** The problems of one source file of src/, given its repository-relative path and text. */
export function underscoreProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  if (path.posix.basename(path.posix.dirname(file)) === 'private' && path.posix.basename(file).startsWith('_')) {
    problems.push(`${file}: a file in a private folder needs no \`_\` prefix (the folder says it): rename it ${path.posix.basename(file).slice(1)}`);
  }
  for (const match of text.matchAll(UNDERSCORE_DECLARATION)) {
    const line = text.slice(0, match.index).split('\n').length;
    problems.push(`${file}:${line}: ${match[1]} is not a jsii internal member of an exported class: drop the \`_\` (a private field behind a public getter takes a name of its own role)`);
  }
  return problems;
}

describe('the check itself', () => {
  test('underscored private members, module-level names and private-folder files are reported; jsii internals and unused parameters are not', () => {
    const text = [
      'const _cache = new Map();',
      'export function _helper(): void {}',
      'function plain(_unused: string): void {}',
      'export class A {',
      '  private readonly _events?: string[];',
      '  private static _count = 0;',
      '  private _render(): string { return ""; }',
      '  /** @internal */',
      '  public _toSpec(): object { return {}; }',
      '  public get _group(): string { return ""; }',
      '}',
    ].join('\n');
    const fix = 'drop the `_` (a private field behind a public getter takes a name of its own role)';
    expect(underscoreProblems('src/private/_a.ts', text)).toEqual([
      'src/private/_a.ts: a file in a private folder needs no `_` prefix (the folder says it): rename it a.ts',
      `src/private/_a.ts:1: _cache is not a jsii internal member of an exported class: ${fix}`,
      `src/private/_a.ts:2: _helper is not a jsii internal member of an exported class: ${fix}`,
      `src/private/_a.ts:5: _events is not a jsii internal member of an exported class: ${fix}`,
      `src/private/_a.ts:6: _count is not a jsii internal member of an exported class: ${fix}`,
      `src/private/_a.ts:7: _render is not a jsii internal member of an exported class: ${fix}`,
    ]);
    expect(underscoreProblems('src/webhook-receiver.ts', 'function plain(_unused: string): void {}')).toEqual([]);
  });
});

describe('the construct library', () => {
  const files = sourceFiles(path.join(ROOT, 'src'))
    .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('src/imports/'));

  test('the scan sees the constructs and their private helpers', () => {
    expect(files).toEqual(expect.arrayContaining(['src/webhook-receiver.ts', 'src/private/validation.ts']));
  });

  test('`_` starts no file of src/private/ and no name in src/ but a jsii internal member', () => {
    expect(files.flatMap((f) => underscoreProblems(f, fs.readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });
});
