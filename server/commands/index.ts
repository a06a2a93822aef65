// The subcommands next to `serve`. Each is loaded only when it runs, so `serve` starts as before.
import type { CommandIo } from './flags';

export { parseBoolean, parseFlags, UsageError, type CommandIo, type CommandSpec, type FlagSpec } from './flags';

export interface Subcommand {
  readonly summary: string;
  readonly load: () => Promise<(argv: readonly string[], io: CommandIo) => Promise<number>>;
}

export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  token: { summary: 'generate a receiver token; print it, as a Secret manifest, or create the Secret', load: async () => (await import('./token')).runToken },
  url: { summary: "print each receiver's webhook URL (from synthesized manifests or the cluster)", load: async () => (await import('./url')).runUrl },
  send: { summary: 'post a signed test delivery to a receiver and explain the answer', load: async () => (await import('./send')).runSend },
  register: { summary: 'create or update the webhook at GitHub, GitLab, Gitea or Bitbucket Cloud for each receiver', load: async () => (await import('./register')).runRegister },
};
