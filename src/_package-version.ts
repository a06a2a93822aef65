import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/**
 * This package's version from its package.json, read when first needed. The file sits one level
 * above both `src/` (tests) and `lib/` (the compiled package).
 */
export function packageVersion(): string {
  if (cached === undefined) {
    const file = path.join(__dirname, '..', 'package.json');
    const version = JSON.parse(fs.readFileSync(file, 'utf8')).version;
    if (typeof version !== 'string' || version === '') {
      throw new Error(`${file} has no "version": cannot choose the default receiver image; pass the image prop`);
    }
    cached = version;
  }
  return cached;
}
