// Where the server takes its Kubernetes credentials from when --kubeconfig is not given, and what
// it says when there are none (client-node alone would quietly use http://localhost:8080).
import * as fs from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadKubeConfig } from '../../../server/kube/kube-client';
import { kubeconfigYaml } from '../../harness/apiserver';

const saved = { ...process.env };
let home: string;

beforeEach(() => {
  home = fs.mkdtempSync(join(tmpdir(), 'credentials-'));
  process.env.HOME = home;
  delete process.env.KUBECONFIG;
  delete process.env.KUBERNETES_SERVICE_HOST;
  delete process.env.KUBERNETES_SERVICE_PORT;
});

afterEach(() => {
  process.env = { ...saved };
  fs.rmSync(home, { recursive: true, force: true });
});

test('in a pod without a ServiceAccount token: says what is missing and how to fix it', () => {
  process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
  process.env.KUBERNETES_SERVICE_PORT = '443';
  expect(() => loadKubeConfig()).toThrow(
    'running in a pod (KUBERNETES_SERVICE_HOST is set) but there is no ServiceAccount token at /var/run/secrets/kubernetes.io/serviceaccount/token',
  );
  expect(() => loadKubeConfig()).toThrow(/automountServiceAccountToken: true.*or pass --kubeconfig <file>/);
});

test('outside a pod with no kubeconfig anywhere: names the places it looked', () => {
  expect(() => loadKubeConfig()).toThrow('no Kubernetes credentials: not in a pod, KUBECONFIG is not set and ~/.kube/config does not exist');
});

test('KUBECONFIG and ~/.kube/config are still used, in a pod without a token too', () => {
  process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
  const file = join(home, 'from-env');
  fs.writeFileSync(file, kubeconfigYaml('https://192.0.2.10:6443', 'ca', 'token'));
  process.env.KUBECONFIG = file;
  expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://192.0.2.10:6443');
  delete process.env.KUBECONFIG;
  fs.mkdirSync(join(home, '.kube'));
  fs.writeFileSync(join(home, '.kube', 'config'), kubeconfigYaml('https://192.0.2.11:6443', 'ca', 'token'));
  expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://192.0.2.11:6443');
});
