// image/Dockerfile (for registries that build with Docker) must state the same key facts as the
// daemonless build (image/build.ts, whose config is checked in receiver-image.integration.test.ts): base
// runtime, node and bundle paths, user, entrypoint and args, working directory, ports, labels.
import * as fs from 'fs';
import { join } from 'path';
import { keyValues, parseDockerfile, Stage, substitute } from './dockerfile-stages';
import { BUNDLE_FILE } from '../../image/build';
import {
  APP_BUNDLE_PATH, APP_DIR, CMD, ENTRYPOINT, EXPOSED_PORTS, IMAGE_ENV, IMAGE_USER, imageLabels, NODE_PATH, packageJson, REPO_ROOT,
} from '../../image/image-config';
import { NODE_VERSION } from '../../image/runtime-inputs';

const dockerfile = fs.readFileSync(join(REPO_ROOT, 'image', 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const final = stages[stages.length - 1];
const nodeMajor = NODE_VERSION.split('.')[0];

function args(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

function only(stage: Stage, keyword: string): string {
  const all = args(stage, keyword);
  if (all.length !== 1) throw new Error(`expected one ${keyword} in the final stage of image/Dockerfile, found ${all.length}`);
  return all[0];
}

describe('image/Dockerfile states the facts of the daemonless image', () => {
  test('final stage: distroless Node of the same major on Debian 12, non-root variant', () => {
    // distroless nodejs images keep node at /nodejs/bin/node, the path the scripted image copies.
    expect(final.from).toBe(`gcr.io/distroless/nodejs${nodeMajor}-debian12:nonroot`);
    expect(NODE_PATH).toBe('/nodejs/bin/node');
  });

  test('entrypoint, command, user and working directory', () => {
    expect(JSON.parse(only(final, 'ENTRYPOINT'))).toEqual(ENTRYPOINT);
    expect(JSON.parse(only(final, 'CMD'))).toEqual(CMD);
    expect(only(final, 'USER')).toBe(IMAGE_USER);
    expect(only(final, 'WORKDIR')).toBe(APP_DIR);
  });

  test('exposed ports', () => {
    const ports = only(final, 'EXPOSE').split(/\s+/).map((p) => p.replace(/\/tcp$/, ''));
    expect(ports.map(Number).sort()).toEqual([...EXPOSED_PORTS].sort());
  });

  test('labels equal the scripted image\'s for the same version and revision', () => {
    const revision = 'f'.repeat(40);
    const version = packageJson().version;
    const argDefaults = Object.fromEntries(args(final, 'ARG').map((a) => a.split('=') as [string, string]));
    expect(Object.keys(argDefaults).sort()).toEqual(['REVISION', 'VERSION']);
    const labels = Object.fromEntries(Object.entries(keyValues(args(final, 'LABEL').join(' ')))
      .map(([k, v]) => [k, substitute(v, { VERSION: version, REVISION: revision })]));
    expect(labels).toEqual(imageLabels(revision));
  });

  test('environment is a subset of the scripted image\'s', () => {
    const env = Object.entries(keyValues(args(final, 'ENV').join(' '))).map(([k, v]) => `${k}=${v}`);
    expect(IMAGE_ENV).toEqual(expect.arrayContaining(env));
  });

  test('the bundle the build stage makes lands at the entrypoint\'s path', () => {
    const copies = args(final, 'COPY').map((a) => a.split(/\s+/));
    expect(copies).toHaveLength(1);
    const words = copies[0];
    expect(words).toContain('--from=build');
    expect(words[words.length - 1]).toBe(APP_BUNDLE_PATH);
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.from).toBe(`node:${nodeMajor}-bookworm-slim`);
    expect(build.platform).toBe('$BUILDPLATFORM');
    const workdir = only(build, 'WORKDIR');
    expect(words[words.length - 2]).toBe(join(workdir, BUNDLE_FILE.slice(REPO_ROOT.length + 1)));
    expect(args(build, 'RUN')).toContain('node server/build.mjs');
  });

  test('the build stage copies the vendored Receiver CRD to where server/build.mjs reads it', () => {
    const build = stages.find((s) => s.name === 'build')!;
    const copies = args(build, 'COPY').map((a) => a.split(/\s+/));
    expect(copies).toContainEqual(['crds/notification.toolkit.fluxcd.io_receivers.yaml', 'crds/']);
    // Nothing points the build elsewhere (no download, no FLUX_WEBHOOKS_CRD_DIR override).
    expect(args(build, 'ADD')).toEqual([]);
    expect(args(build, 'ENV').join(' ')).not.toMatch(/FLUX_WEBHOOKS_CRD_DIR/);
    expect(fs.readFileSync(join(REPO_ROOT, 'server', 'build.mjs'), 'utf8')).toMatch(/FLUX_WEBHOOKS_CRD_DIR \|\| 'crds'/);
  });

  test('the build context admits what the build stage copies and nothing heavy', () => {
    const ignore = fs.readFileSync(join(REPO_ROOT, 'image', 'Dockerfile.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const copied = stages.find((s) => s.name === 'build')!.instructions.filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const src of copied) expect(ignore).toContain(`!${src}`);
    expect(ignore.filter((l) => /node_modules|image\/out|assets/.test(l))).toEqual([]);
  });
});

describe('Dockerfile parser', () => {
  test('joins continued lines, splits stages and reads quoted labels', () => {
    const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  y\nFROM c\nLABEL k="v w" z=1\n');
    expect(parsed.map((s) => [s.from, s.name])).toEqual([['a', 'b'], ['c', undefined]]);
    expect(parsed[0].instructions[0]).toEqual({ keyword: 'RUN', args: 'x y', line: 3 });
    expect(keyValues(parsed[1].instructions[0].args)).toEqual({ k: 'v w', z: '1' });
  });

  test('rejects an instruction before FROM and a dangling continuation', () => {
    expect(() => parseDockerfile('RUN x\nFROM a\n')).toThrow(/line 1: RUN before the first FROM/);
    expect(() => parseDockerfile('FROM a\nRUN x \\')).toThrow(/trailing backslash/);
  });
});
