// What a `_` prefix means (CONTRIBUTING.md, "Layout rules"): a file private to its folder, and in
// src/ a jsii internal member (`_toSpec()`). Names are checked by lint (naming-convention in
// .projenrc.ts); this checks the files: one in a `private` folder carries no `_`, the folder says it.
import * as path from 'path';
import { ROOT, sourceFiles } from './_imports';

/** The problem of a file at this repository-relative path, if any. */
export function underscoreFileProblem(file: string): string | undefined {
  const name = path.posix.basename(file);
  if (path.posix.basename(path.posix.dirname(file)) !== 'private' || !name.startsWith('_')) return undefined;
  return `${file}: a file in a private folder needs no \`_\` prefix (the folder says it): rename it ${name.slice(1)}`;
}

test('the check names a `_` file in a private folder and leaves other `_` files alone', () => {
  expect(underscoreFileProblem('src/private/_a.ts')).toBe('src/private/_a.ts: a file in a private folder needs no `_` prefix (the folder says it): rename it a.ts');
  expect(underscoreFileProblem('src/private/a.ts')).toBeUndefined();
  expect(underscoreFileProblem('server/commands/_cluster.ts')).toBeUndefined();
});

test('no file of a private folder starts with `_`', () => {
  const files = ['src', 'server', 'test', 'bench'].flatMap((dir) => sourceFiles(path.join(ROOT, dir))).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
  expect(files).toEqual(expect.arrayContaining(['src/private/validation.ts']));
  expect(files.map(underscoreFileProblem).filter((p) => p !== undefined)).toEqual([]);
});
