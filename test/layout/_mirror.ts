// The test folder that mirrors a code folder (CONTRIBUTING.md): what test-mirror.test.ts keeps
// true and import-rules.test.ts lets import a folder's private files.

/** The test folder of a code folder. */
export function mirrorOf(codeFolder: string): string {
  if (codeFolder === 'src/model' || codeFolder.startsWith('src/model/')) return `test/model${codeFolder.slice('src/model'.length)}`;
  if (codeFolder === 'src' || codeFolder.startsWith('src/')) return `test/constructs${codeFolder.slice('src'.length)}`;
  return `test/${codeFolder}`;
}
