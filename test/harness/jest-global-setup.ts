// Starts one real kube-apiserver (with etcd and the Flux/Gateway API CRDs) for the whole test
// run. Workers find it through FLUX_WEBHOOKS_TEST_KUBECONFIG; test files isolate themselves in
// namespaces of their own.
import { startTestApiServer, TestApiServer } from './apiserver';
import { KUBECONFIG_ENV } from './kube';

declare global {
  // eslint-disable-next-line no-var
  var __FLUX_WEBHOOKS_APISERVER__: TestApiServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const server = await startTestApiServer();
  globalThis.__FLUX_WEBHOOKS_APISERVER__ = server;
  process.env[KUBECONFIG_ENV] = server.kubeconfigPath;
  process.env.FLUX_WEBHOOKS_TEST_APISERVER_URL = server.url;
  // Make sure nothing is left behind if jest exits without running the teardown.
  process.once('exit', () => void server.stop());
  process.stdout.write(`\ntest apiserver: kube-apiserver ${server.versions.kubernetes} with etcd ${server.versions.etcd} started at ${server.url} in ${Date.now() - started} ms\n`);
}
