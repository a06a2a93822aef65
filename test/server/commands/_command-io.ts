// Runs a subcommand in-process with captured output, the way the bin's entry point calls it.
import type { CommandIo } from '../../../server/commands';

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCommand(run: (argv: readonly string[], io: CommandIo) => Promise<number>, argv: readonly string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    readStdin: async () => Buffer.from(stdin),
  });
  return { code, stdout, stderr };
}
