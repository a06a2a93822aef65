// `flux-webhook-receiver token`: a random receiver token, printed, as a Secret manifest (for SOPS
// or sealing), or created in the cluster. Replaces the guide's `head -c 12 /dev/urandom | shasum`
// and `kubectl create secret generic webhook-token --from-literal=token=…`.
import { randomBytes } from 'crypto';
import { stringify } from 'yaml';
import { commandKubeConfig, writeTokenSecret } from './_cluster';
import { CommandIo, CommandSpec, UsageError, exclusive, EXIT_OK, parseFlags, commandHelp } from './flags';
import { SECRET_KEYS, SERVER_BINARY } from '../../src/model';

/** At least the guide's 12 bytes; 20 bytes give 160 bits, 40 hex characters. */
export const MIN_TOKEN_BYTES = 20;
const MAX_TOKEN_BYTES = 512;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const TOKEN_COMMAND: CommandSpec = {
  name: 'token',
  summary: 'generate a receiver token; print it, as a Secret manifest, or create the Secret',
  synopsis: ['token [--bytes <n>]', 'token --secret-manifest [--name <secret>] [--namespace <ns>]', 'token --apply [--name <secret>] [--namespace <ns>] [--kubeconfig <file>] [--overwrite]'],
  description: [
    `Generates a token from the system's secure random source (${MIN_TOKEN_BYTES} bytes by default, written as lowercase hex) for a Receiver's Secret.`,
    'Without --secret-manifest or --apply it prints the token and a newline (the newline is not part of the token).',
    `--secret-manifest prints a Secret with the token under the '${SECRET_KEYS.token}' key, ready for sops --encrypt or kubeseal.`,
    '--apply creates the Secret through the Kubernetes API; an existing Secret is only changed with --overwrite, since a new token changes the webhook URL.',
  ],
  flags: [
    { name: 'bytes', value: '<n>', help: `random bytes in the token (${MIN_TOKEN_BYTES}–${MAX_TOKEN_BYTES}, default ${MIN_TOKEN_BYTES}: ${MIN_TOKEN_BYTES * 2} hex characters)` },
    { name: 'secret-manifest', help: 'print a Secret manifest (YAML) instead of the bare token' },
    { name: 'apply', help: 'create the Secret in the cluster' },
    { name: 'name', value: '<secret>', help: "the Secret's name, the Receiver's spec.secretRef.name (default webhook-token)" },
    { name: 'namespace', short: 'n', value: '<ns>', help: "the Secret's namespace, the Receiver's namespace (default flux-system)" },
    { name: 'kubeconfig', value: '<file>', help: 'with --apply: kubeconfig file (default: KUBECONFIG, ~/.kube/config)' },
    { name: 'overwrite', help: 'with --apply: replace the token of an existing Secret' },
    { name: 'show-token', help: 'with --apply: also print the token (e.g. for the sender\'s secret field)' },
  ],
  examples: [
    'token --apply --namespace flux-system --name webhook-token',
    'token --secret-manifest -n flux-system --name webhook-token > webhook-token.yaml && sops --encrypt --in-place webhook-token.yaml',
    '# the bare token, for a Secret created some other way:',
    'token',
  ],
};

export async function runToken(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(TOKEN_COMMAND, argv);
  if (flags.help) {
    io.stdout(commandHelp(SERVER_BINARY, TOKEN_COMMAND));
    return EXIT_OK;
  }
  exclusive(TOKEN_COMMAND, flags, ['secret-manifest', 'apply']);
  const apply = flags.on('apply');
  for (const onlyWithApply of ['kubeconfig', 'overwrite', 'show-token']) {
    if (!apply && flags.given(onlyWithApply)) {
      throw new UsageError(`token: --${onlyWithApply} only applies with --apply`);
    }
  }
  const bytesText = flags.value('bytes') ?? String(MIN_TOKEN_BYTES);
  const bytes = Number(bytesText);
  if (!/^\d+$/.test(bytesText) || bytes < MIN_TOKEN_BYTES || bytes > MAX_TOKEN_BYTES) {
    throw new UsageError(`token: --bytes "${bytesText}" is not a whole number from ${MIN_TOKEN_BYTES} to ${MAX_TOKEN_BYTES}`);
  }
  const name = flags.value('name') ?? 'webhook-token';
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new UsageError(`token: --name "${name}" is not a valid Secret name (lowercase letters, digits, '-' and '.')`);
  }
  const namespace = flags.value('namespace') ?? 'flux-system';
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new UsageError(`token: --namespace "${namespace}" is not a valid namespace (lowercase letters, digits and '-', at most 63)`);
  }

  const token = randomBytes(bytes).toString('hex');
  if (flags.on('secret-manifest')) {
    io.stdout(secretManifest(name, namespace, token));
    return EXIT_OK;
  }
  if (!apply) {
    io.stdout(`${token}\n`);
    return EXIT_OK;
  }
  const kc = commandKubeConfig(flags.value('kubeconfig'));
  const result = await writeTokenSecret(kc, namespace, name, token, flags.on('overwrite'));
  io.stderr(`secret ${namespace}/${name} ${result} (key '${SECRET_KEYS.token}', ${bytes * 2} hex characters). `
    + `Print the URLs with: ${SERVER_BINARY} url --base https://<host> --receivers dist/ (or --from-cluster -n ${namespace})${flags.on('show-token') ? '' : ' --show-token'}\n`);
  if (flags.on('show-token')) io.stdout(`${token}\n`);
  return EXIT_OK;
}

/** A Secret manifest holding `token` in `stringData`, so it stays readable until sops or kubeseal encrypts it. */
export function secretManifest(name: string, namespace: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData: { [SECRET_KEYS.token]: token },
  });
}
