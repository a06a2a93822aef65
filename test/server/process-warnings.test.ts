// The bundled server keeps its output one JSON object per line even when Node emits process
// warnings (deprecations in dependencies on newer Node lines, or any other warning): they are
// logged through the logger, once each, and nothing reaches stderr.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../harness/apiserver';
import { adminKubeconfigPath } from '../harness/kube';
import { SERVER_BUNDLE } from '../harness/server-bundle';


test('process warnings become JSON log lines (deprecations at debug), each once, and stderr stays empty', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warnings-'));
  try {
    fs.writeFileSync(path.join(dir, 'receivers.yaml'), '');
    // Preloaded before the server: emits the same warnings twice once the server is up.
    fs.writeFileSync(path.join(dir, 'emit.js'), `setTimeout(() => {
      for (let i = 0; i < 2; i++) {
        process.emitWarning('old API', 'DeprecationWarning', 'DEP9999');
        process.emitWarning('something odd', 'CustomWarning');
      }
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 300);
    }, 1500);\n`);
    const ports = [await freePort(), await freePort(), await freePort()];
    const proc = spawn(process.execPath, ['--require', path.join(dir, 'emit.js'), SERVER_BUNDLE, 'serve',
      '--receivers', path.join(dir, 'receivers.yaml'), '--kubeconfig', adminKubeconfigPath(), '--log-level', 'debug',
      '--listen', `127.0.0.1:${ports[0]}`, '--metrics-listen', `127.0.0.1:${ports[1]}`, '--health-listen', `127.0.0.1:${ports[2]}`], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (c) => (stdout += c));
    proc.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const warnings = stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.msg === 'node warning');
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'debug', warning: 'DeprecationWarning', code: 'DEP9999', detail: 'old API' }),
      expect.objectContaining({ level: 'warn', warning: 'CustomWarning', detail: 'something odd' }),
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
