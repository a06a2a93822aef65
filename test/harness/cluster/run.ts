// `npx projen cluster`: the test cluster for a person, with the receiver image imported (built
// first if image/out is missing or stale), until Ctrl-C; then everything it made is removed.
import { startTestCluster } from './cluster';
import { buildImage } from '../../../image/build';
import { imageRefName } from '../../../image/image-config';

async function main(): Promise<void> {
  const image = await buildImage({ log: (l) => process.stderr.write(`${l}\n`) });
  const cluster = await startTestCluster({ log: (l) => process.stderr.write(`${l}\n`) });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping the test cluster...\n');
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  cluster.importImage(image.outDir, imageRefName());
  process.stdout.write([
    '',
    `A one-node cluster is running (Kubernetes ${cluster.apiserver.versions.kubernetes}); the receiver image ${imageRefName()} is on the node (imagePullPolicy: Never or IfNotPresent).`,
    `  export KUBECONFIG=${cluster.kubeconfigPath}`,
    '  kubectl get nodes',
    '  npx projen examples && kubectl apply --server-side -f dist/examples/<example>.k8s.yaml',
    `Component logs: ${cluster.logDir}. Ctrl-C stops the cluster and removes everything it made.`,
    '',
  ].join('\n'));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
