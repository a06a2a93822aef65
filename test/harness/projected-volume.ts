// What the kubelet does to a mounted ConfigMap or Secret when it changes, for tests of the files mode.
import * as fs from 'fs';
import * as path from 'path';

/** Writes files the way the kubelet projects a ConfigMap/Secret: `..data` → timestamped dir, names → `..data/<name>`. */
export function projectAtomically(dir: string, files: Record<string, string | Buffer>, generation: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const target = `..${generation}_${Date.now()}`;
  fs.mkdirSync(path.join(dir, target));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, target, name), content);
  fs.symlinkSync(target, path.join(dir, '..data_tmp'));
  fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const name of Object.keys(files)) {
    if (!fs.existsSync(path.join(dir, name))) fs.symlinkSync(path.join('..data', name), path.join(dir, name));
  }
}
