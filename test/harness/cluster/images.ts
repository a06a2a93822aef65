// Images for the test cluster's containerd, which reaches no registry: the pod sandbox image made
// from the `pause` program of nodebin/, and OCI layouts (the receiver image in image/out) imported
// under one name each.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { join } from 'path';
import { writeLayer } from '../../../image/deterministic-layer';
import { imageConfig, imageIndex, imageManifest, MEDIA_TYPES, REF_NAME_ANNOTATION, writeJsonBlob, writeLayout } from '../../../image/oci-layout';

/** The name containerd's `sandbox_image` points at. */
export const PAUSE_IMAGE = 'localhost/flux-webhooks-test/pause:1';

/** A one-layer OCI layout in `dir` whose only file is `/pause` (a static binary). */
export async function writePauseLayout(pauseBinary: string, dir: string): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const layer = await writeLayer([{ path: 'pause', kind: 'file', mode: 0o755, source: pauseBinary }], join(dir, 'stage'), blobs, 0);
  fs.rmSync(join(dir, 'stage'), { recursive: true, force: true });
  const platform = { architecture: 'amd64', os: 'linux' };
  const config = writeJsonBlob(blobs, MEDIA_TYPES.config, imageConfig({
    created: new Date(0).toISOString(),
    platform,
    user: '65535:65535',
    env: [],
    entrypoint: ['/pause'],
    cmd: [],
    workingDir: '/',
    exposedPorts: [],
    labels: {},
    diffIds: [layer.diffId],
    history: ['pause'],
  }));
  const layerDescriptor = { mediaType: MEDIA_TYPES.layerGzip, digest: layer.digest, size: layer.size };
  const manifest = writeJsonBlob(blobs, MEDIA_TYPES.manifest, imageManifest(config, [layerDescriptor], {}), { platform });
  const index = writeJsonBlob(blobs, MEDIA_TYPES.index, imageIndex([manifest], {}));
  writeLayout(dir, index, [PAUSE_IMAGE]);
}

/**
 * Imports the image that `layout`'s index.json names `refName`, under that one name. (A layout
 * that also names it by a bare tag would give it a second, generated name, and the CRI plugin may
 * then resolve the image to that one and refuse containers of the first.)
 */
export function importImage(ctr: (args: string[]) => string, layout: string, refName: string, scratch: string): void {
  const top = JSON.parse(fs.readFileSync(join(layout, 'index.json'), 'utf8'));
  const entry = top.manifests.find((m: { annotations?: Record<string, string> }) => m.annotations?.[REF_NAME_ANNOTATION] === refName);
  if (!entry) throw new Error(`${layout}/index.json names no image ${refName}`);
  const dir = fs.mkdtempSync(join(scratch, 'import-'));
  try {
    fs.writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...top, manifests: [entry] }));
    fs.copyFileSync(join(layout, 'oci-layout'), join(dir, 'oci-layout'));
    const archive = join(dir, 'image.tar');
    execFileSync('tar', ['-cf', archive, '-C', dir, 'index.json', 'oci-layout', '-C', layout, 'blobs']);
    ctr(['images', 'import', '--platform', 'linux/amd64', archive]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
