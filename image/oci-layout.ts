// OCI image-spec documents (config, manifest, index) and the on-disk OCI image layout.
// JSON is serialized from objects with a fixed key order, so equal inputs give equal digests.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { join } from 'path';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Record<string, string>;
}

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
}

export interface ImageConfigInput {
  readonly created: string;
  readonly platform: Platform;
  readonly user: string;
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
  readonly exposedPorts: readonly number[];
  readonly labels: Record<string, string>;
  readonly diffIds: readonly string[];
  readonly history: readonly string[];
}

/** The image config (https://github.com/opencontainers/image-spec/blob/main/config.md). */
export function imageConfig(c: ImageConfigInput): object {
  return {
    created: c.created,
    architecture: c.platform.architecture,
    ...(c.platform.variant ? { variant: c.platform.variant } : {}),
    os: c.platform.os,
    config: {
      User: c.user,
      ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [`${p}/tcp`, {}])),
      Env: [...c.env],
      Entrypoint: [...c.entrypoint],
      Cmd: [...c.cmd],
      WorkingDir: c.workingDir,
      Labels: _sorted(c.labels),
    },
    rootfs: { type: 'layers', diff_ids: [...c.diffIds] },
    history: c.history.map((createdBy) => ({ created: c.created, created_by: createdBy })),
  };
}

function _sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Writes `doc` as a blob and returns its descriptor. */
export function writeJsonBlob(blobsDir: string, mediaType: string, doc: object, extra: Partial<Descriptor> = {}): Descriptor {
  const bytes = Buffer.from(JSON.stringify(doc));
  const hex = createHash('sha256').update(bytes).digest('hex');
  fs.mkdirSync(blobsDir, { recursive: true });
  fs.writeFileSync(join(blobsDir, hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length, ...extra };
}

export function imageManifest(config: Descriptor, layers: readonly Descriptor[], annotations: Record<string, string>): object {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config, layers, annotations: _sorted(annotations) };
}

export function imageIndex(manifests: readonly Descriptor[], annotations: Record<string, string>): object {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests, annotations: _sorted(annotations) };
}

/**
 * Finishes an OCI image layout: `oci-layout` and `index.json`, which names the image index once
 * per ref name (e.g. the full `repo:tag` and the bare tag, which `skopeo copy oci:dir:tag` uses).
 */
export function writeLayout(dir: string, index: Descriptor, refNames: readonly string[]): void {
  fs.writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = refNames.map((name) => ({ ...index, annotations: { [REF_NAME_ANNOTATION]: name } }));
  fs.writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests }));
}

/** Removes blobs no descriptor reaches (left over from earlier builds into the same layout). */
export function pruneBlobs(blobsDir: string, keep: ReadonlySet<string>): void {
  for (const f of fs.readdirSync(blobsDir)) {
    if (!keep.has(`sha256:${f}`)) fs.rmSync(join(blobsDir, f), { force: true });
  }
}
