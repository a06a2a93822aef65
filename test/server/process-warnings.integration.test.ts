// The bundled server keeps its output one JSON object per line even when Node emits process
// warnings (deprecations in dependencies on newer Node lines, or any other warning): they are
// logged through the logger, once each, and nothing reaches stderr.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { adminKubeconfigPath } from '../harness/kube';
import { BundleProcess } from '../harness/server-process';

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
    const proc = await BundleProcess.serve({
      nodeArgs: ['--require', path.join(dir, 'emit.js')],
      args: ['--receivers', path.join(dir, 'receivers.yaml'), '--kubeconfig', adminKubeconfigPath(), '--log-level', 'debug'],
      waitUntilReady: false,
    });
    const code = await proc.exited;

    expect(proc.stderr).toBe('');
    expect(code).toBe(0);
    const warnings = proc.output.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.msg === 'node warning');
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'debug', warning: 'DeprecationWarning', code: 'DEP9999', detail: 'old API' }),
      expect.objectContaining({ level: 'warn', warning: 'CustomWarning', detail: 'something odd' }),
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
