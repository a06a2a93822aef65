// qemu-aarch64-static from Debian's qemu-user-static, downloaded once into the image cache and
// run directly (no binfmt registration), so the arm64 image can be exercised on an amd64 host.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { join } from 'path';
import { aptDownload, imageCacheDir } from '../../image/runtime-cache';

export function qemuAarch64(): string {
  const dir = join(imageCacheDir(), 'qemu');
  const binary = join(dir, 'qemu-aarch64-static');
  if (fs.existsSync(binary)) return binary;
  if (process.arch !== 'x64') throw new Error(`qemu-user for arm64 is only fetched on amd64 build hosts (this one is ${process.arch})`);
  const debs = join(dir, 'debs');
  aptDownload('amd64', ['qemu-user-static'], debs);
  const deb = fs.readdirSync(debs).find((f) => f.startsWith('qemu-user-static_'));
  if (!deb) throw new Error(`apt-get download qemu-user-static produced nothing in ${debs}`);
  const extract = join(dir, 'extract');
  fs.rmSync(extract, { recursive: true, force: true });
  fs.mkdirSync(extract, { recursive: true });
  // Only the one emulator: the package unpacks to ~380 MB.
  execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./usr/bin/qemu-aarch64-static', 'sh', join(debs, deb), extract]);
  fs.renameSync(join(extract, 'usr', 'bin', 'qemu-aarch64-static'), binary);
  fs.rmSync(extract, { recursive: true, force: true });
  fs.rmSync(debs, { recursive: true, force: true });
  return binary;
}
