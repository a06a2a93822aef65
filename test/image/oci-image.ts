// Reads an OCI image layout the way a runtime would (index.json → image index → per-platform
// manifest → config and layers), and unpacks an image's layers into a root filesystem.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { join } from 'path';

export interface OciDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly architecture: string; readonly os: string; readonly variant?: string };
  readonly annotations?: Record<string, string>;
}

export interface OciManifest {
  readonly schemaVersion: number;
  readonly mediaType: string;
  readonly config: OciDescriptor;
  readonly layers: OciDescriptor[];
  readonly annotations?: Record<string, string>;
}

export interface OciIndex {
  readonly mediaType: string;
  readonly manifests: OciDescriptor[];
  readonly annotations?: Record<string, string>;
}

export interface OciImage {
  readonly manifestDescriptor: OciDescriptor;
  readonly manifest: OciManifest;
  readonly config: {
    architecture: string;
    os: string;
    variant?: string;
    config: {
      User: string;
      ExposedPorts: Record<string, object>;
      Env: string[];
      Entrypoint: string[];
      Cmd: string[];
      WorkingDir: string;
      Labels: Record<string, string>;
    };
    rootfs: { type: string; diff_ids: string[] };
  };
}

export function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(layout, 'blobs', alg, hex);
}

export function readBlobJson<T = any>(layout: string, d: OciDescriptor): T {
  return JSON.parse(fs.readFileSync(blobPath(layout, d.digest), 'utf8'));
}

/** The image index that index.json names `refName`. */
export function readIndex(layout: string, refName: string): { descriptor: OciDescriptor; index: OciIndex } {
  const top = JSON.parse(fs.readFileSync(join(layout, 'index.json'), 'utf8'));
  const descriptor = (top.manifests as OciDescriptor[]).find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === refName);
  if (!descriptor) throw new Error(`${layout}/index.json names no image ${refName}`);
  return { descriptor, index: readBlobJson(layout, descriptor) };
}

export function readImage(layout: string, refName: string, architecture: string): OciImage {
  const { index } = readIndex(layout, refName);
  const manifestDescriptor = index.manifests.find((m) => m.platform?.architecture === architecture && m.platform.os === 'linux');
  if (!manifestDescriptor) throw new Error(`image ${refName} has no linux/${architecture} manifest`);
  const manifest = readBlobJson(layout, manifestDescriptor);
  return { manifestDescriptor, manifest, config: readBlobJson(layout, manifest.config) };
}

/** Extracts the layers in order, keeping numeric owners and modes (needs root). */
export function unpackImage(layout: string, image: OciImage, rootfs: string): void {
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.mkdirSync(rootfs, { recursive: true });
  for (const layer of image.manifest.layers) {
    execFileSync('tar', ['-xzf', blobPath(layout, layer.digest), '-C', rootfs, '--numeric-owner', '--same-owner', '--same-permissions']);
  }
}
