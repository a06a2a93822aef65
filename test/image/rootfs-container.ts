// Runs an unpacked image like a container runtime would, without one: new mount and PID
// namespaces, the root filesystem bind-mounted read-only, /proc, a minimal /dev, a tmpfs /tmp,
// the given bind mounts, then the process as a non-root uid/gid (which drops every capability)
// with only the image's environment. The process is PID 1 of its namespace, as in a pod.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { constants } from 'os';
import { join } from 'path';

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly?: boolean;
}

export interface ContainerSpec {
  readonly rootfs: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly uid: number;
  readonly gid: number;
  readonly readOnlyRootFilesystem: boolean;
  readonly binds?: readonly BindMount[];
  /** Directories that get a fresh writable tmpfs (emptyDir). */
  readonly tmpfs?: readonly string[];
}

export interface RunningContainer {
  readonly process: ChildProcess;
  /** Resolves with the exit code of the container's PID 1 (or 128 + signal). */
  readonly exited: Promise<number>;
  output(): string;
  /** Sends `signal` to the container's PID 1 (not to the unshare wrapper, which ignores SIGTERM). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the wrapper, and with it (`--kill-child`) the container; a no-op once it exited. */
  kill(): void;
}

function _sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

function _which(cmd: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (fs.existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  throw new Error(`${cmd} not found (util-linux)`);
}

/** Prepares the mount points a runtime would create; the rootfs copy is still writable here. */
function _mountPoints(spec: ContainerSpec): void {
  for (const d of ['proc', 'dev']) fs.mkdirSync(join(spec.rootfs, d), { recursive: true });
  for (const t of spec.tmpfs ?? []) fs.mkdirSync(join(spec.rootfs, t), { recursive: true });
  for (const b of spec.binds ?? []) {
    const target = join(spec.rootfs, b.target);
    if (fs.statSync(b.source).isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(join(target, '..'), { recursive: true });
      if (!fs.existsSync(target)) fs.writeFileSync(target, '');
    }
  }
}

export function startContainer(spec: ContainerSpec): RunningContainer {
  _mountPoints(spec);
  const r = _sq(spec.rootfs);
  const lines = [
    'set -eu',
    'mount --make-rprivate /',
    `mount --bind ${r} ${r}`,
    `mount -t proc proc ${r}/proc`,
    `mount -t tmpfs -o mode=0755,size=64k,nosuid,noexec tmpfs ${r}/dev`,
    `for d in null zero random urandom; do : > ${r}/dev/$d; mount --bind /dev/$d ${r}/dev/$d; done`,
    ...(spec.tmpfs ?? []).map((t) => `mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev tmpfs ${_sq(join(spec.rootfs, t))}`),
    ...(spec.binds ?? []).flatMap((b) => {
      const target = _sq(join(spec.rootfs, b.target));
      return [`mount --bind ${_sq(b.source)} ${target}`, ...(b.readOnly ? [`mount -o remount,bind,ro,nosuid,nodev ${target}`] : [])];
    }),
    ...(spec.readOnlyRootFilesystem ? [`mount -o remount,bind,ro ${r}`] : []),
    `exec ${_which('env')} -i ${spec.env.map(_sq).join(' ')} ${_which('unshare')} --root=${r} --wd=${_sq(spec.workingDir)} `
      + `--setuid ${spec.uid} --setgid ${spec.gid} -- ${spec.argv.map(_sq).join(' ')}`,
  ];
  const child = spawn(_which('unshare'), ['--mount', '--pid', '--fork', '--kill-child', '/bin/sh', '-c', lines.join('\n')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? constants.signals[sig] : 0)));
  });
  const pid1 = (): number | undefined => {
    // The forked child of `unshare --fork` is the container's PID 1 (sh exec'd into node).
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === child.pid) return Number(entry);
      } catch {
        // the process went away while scanning
      }
    }
    return undefined;
  };
  let done = false;
  void exited.then(() => (done = true), () => (done = true));
  return {
    process: child,
    exited,
    kill: () => {
      if (!done && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
    output: () => out,
    signal: (signal) => {
      const pid = pid1();
      if (pid === undefined) throw new Error(`container PID 1 not found (unshare ${child.pid}); output so far:\n${out}`);
      process.kill(pid, signal);
    },
  };
}
