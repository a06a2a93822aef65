// The small flag parser and help layout shared by the subcommands (`token`, `url`, `send`, `register`).
// `serve` keeps its own parser (server/cli.ts): its flags come from the server contract.

/** A bad command line: the entry point prints it with a hint and exits with code 2. */
export class CommandUsageError extends Error {}

export interface FlagSpec {
  /** Long name without dashes, e.g. `namespace`. */
  readonly name: string;
  /** One-letter alias without dash, e.g. `n`. */
  readonly short?: string;
  /** Placeholder of the value (`<dir>`); absent for boolean flags. */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for the command list of `--help`. */
  readonly summary: string;
  /** Synopsis lines after `Usage:`. */
  readonly synopsis: readonly string[];
  /** Paragraphs explaining the command. */
  readonly description: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly string[];
}

export interface ParsedFlags {
  readonly help: boolean;
  /** Value flags that were given (the last occurrence wins). */
  readonly values: ReadonlyMap<string, string>;
  /** Boolean flags that were given. */
  readonly switches: ReadonlySet<string>;
}

/** Where a subcommand writes and what it reads from its process. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input (for `--token-file -`). */
  readonly readStdin: () => Promise<Buffer>;
}

/** Exit codes of every subcommand: 0 done, 1 failed (the message says why), 2 bad command line. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;

/** Parses `argv` against `spec`: `--flag value`, `--flag=value`, `-n value`; no positional arguments. */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const flag of spec.flags) {
    byName.set(`--${flag.name}`, flag);
    if (flag.short) byName.set(`-${flag.short}`, flag);
  }
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      throw new CommandUsageError(`${spec.name}: unexpected argument ${JSON.stringify(arg)} (every input is a flag, e.g. --name <name>)`);
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flagText = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = byName.get(flagText);
    if (!flag) throw new CommandUsageError(`${spec.name}: unknown flag "${flagText}"`);
    if (flag.value === undefined) {
      if (eq > 0) throw new CommandUsageError(`${spec.name}: flag --${flag.name} takes no value`);
      switches.add(flag.name);
      continue;
    }
    let value: string;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new CommandUsageError(`${spec.name}: flag --${flag.name} needs a value ${flag.value}`);
      value = argv[++i];
    }
    if (value === '') throw new CommandUsageError(`${spec.name}: flag --${flag.name} needs a non-empty value ${flag.value}`);
    values.set(flag.name, value);
  }
  return { help, values, switches };
}

/** The `<command> --help` text. */
export function commandHelp(binary: string, spec: CommandSpec): string {
  const lines = [`Usage: ${spec.synopsis.map((s, i) => (i === 0 ? '' : '       ') + `${binary} ${s}`).join('\n')}`, ''];
  for (const paragraph of spec.description) lines.push(paragraph, '');
  lines.push('Flags:');
  const label = (f: FlagSpec): string => `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}`;
  const width = Math.max(...spec.flags.map((f) => label(f).length), '--help, -h'.length) + 2;
  for (const flag of spec.flags) lines.push(`  ${label(flag).padEnd(width)} ${flag.help}`);
  lines.push(`  ${'-h, --help'.padEnd(width)} print this help`);
  if (spec.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of spec.examples) lines.push(example.startsWith('#') ? `  ${example}` : `  ${binary} ${example}`);
  }
  lines.push('', 'Exit codes: 0 done, 1 failed (the message says why), 2 bad command line.');
  return lines.join('\n') + '\n';
}

/** Refuses flags that exclude each other. */
export function exclusive(spec: CommandSpec, flags: ParsedFlags, names: readonly string[]): void {
  const given = names.filter((n) => flags.values.has(n) || flags.switches.has(n));
  if (given.length > 1) throw new CommandUsageError(`${spec.name}: ${given.map((n) => `--${n}`).join(' and ')} exclude each other: pick one`);
}
