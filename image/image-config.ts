// The facts of the receiver image: where things live, who runs it, what it exposes and how it
// is labelled. The scripted build writes them into the OCI config; image/Dockerfile must state
// the same facts (test/image/dockerfile.test.ts compares the two).
import { readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_IMAGE_REPOSITORY, HEALTH_PORT, IMAGE_USER_ID, METRICS_PORT, SERVER_BINARY, SERVER_NODE_FLAGS, WEBHOOK_PORT } from '../src/model';

export const REPO_ROOT = join(__dirname, '..');

/** Node sits where distroless puts it, so both images share one entrypoint. */
export const NODE_PATH = '/nodejs/bin/node';
export const APP_DIR = '/app';
export const APP_BUNDLE_PATH = `${APP_DIR}/server.cjs`;
export const IMAGE_USER = `${IMAGE_USER_ID}:${IMAGE_USER_ID}`;
export const IMAGE_USER_NAME = 'nonroot';
export const IMAGE_HOME = '/home/nonroot';
export const ENTRYPOINT = [NODE_PATH, ...SERVER_NODE_FLAGS, APP_BUNDLE_PATH];
export const CMD = ['serve'];
export const EXPOSED_PORTS = [WEBHOOK_PORT, METRICS_PORT, HEALTH_PORT];
export const IMAGE_ENV = ['PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'];
export const IMAGE_TITLE = SERVER_BINARY;
export const IMAGE_LICENSE = 'Apache-2.0';

interface PackageJson {
  readonly version: string;
  readonly description?: string;
  readonly repository?: { readonly url?: string } | string;
}

export function packageJson(): PackageJson {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
}

/** `https://github.com/owner/repo` from package.json's repository URL. */
export function sourceUrl(pkg = packageJson()): string {
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!raw) throw new Error('package.json has no repository.url: the image label org.opencontainers.image.source needs it (set repositoryUrl in .projenrc.ts)');
  return raw.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The tag the constructs deploy by default: `<DEFAULT_IMAGE_REPOSITORY>:v<package version>`. */
export function imageTag(pkg = packageJson()): string {
  return `v${pkg.version}`;
}

export function imageRefName(pkg = packageJson()): string {
  return `${DEFAULT_IMAGE_REPOSITORY}:${imageTag(pkg)}`;
}

/** OCI annotation keys (also used as config labels). */
export function imageLabels(revision: string, pkg = packageJson()): Record<string, string> {
  return {
    'org.opencontainers.image.description': pkg.description ?? '',
    'org.opencontainers.image.licenses': IMAGE_LICENSE,
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.source': sourceUrl(pkg),
    'org.opencontainers.image.title': IMAGE_TITLE,
    'org.opencontainers.image.version': pkg.version,
  };
}
