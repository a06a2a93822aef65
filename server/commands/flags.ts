// The one command-line flag parser, used by every command (`serve` in server/cli.ts, and `token`,
// `url`, `send`, `register` here), and the help layout of the subcommands.

/** A bad command line: the entry point prints it with a hint and exits with code 2. */
export class UsageError extends Error {}

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

/** The flags given on a command line, by long name. */
export class ParsedFlags {
  constructor(
    /** `--help` or `-h` was given. */
    readonly help: boolean,
    private readonly values: ReadonlyMap<string, string>,
    private readonly switches: ReadonlyMap<string, boolean>,
  ) {}

  /** The value of a value flag (the last occurrence wins), or undefined when it was not given. */
  value(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A boolean flag: true for `--name` or `--name=true`, false for `--name=false`, undefined when not given. */
  switch(name: string): boolean | undefined {
    return this.switches.get(name);
  }

  /** A boolean flag was given and is on. */
  on(name: string): boolean {
    return this.switches.get(name) === true;
  }

  /** The flag was given, with any value. */
  given(name: string): boolean {
    return this.values.has(name) || this.switches.has(name);
  }
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

/**
 * Parses `argv` against `spec`: `--flag value`, `--flag=value`, `-n value`; a boolean flag alone is
 * on, `--flag=false` turns it off (and wins over an environment variable that turned it on);
 * no positional arguments, no empty values.
 */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const flag of spec.flags) {
    byName.set(`--${flag.name}`, flag);
    if (flag.short) byName.set(`-${flag.short}`, flag);
  }
  const values = new Map<string, string>();
  const switches = new Map<string, boolean>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      throw new UsageError(`${spec.name}: unexpected argument ${JSON.stringify(arg)} (every input is a flag: see --help)`);
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flagText = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = byName.get(flagText);
    if (!flag) throw new UsageError(`${spec.name}: unknown flag "${flagText}"`);
    if (flag.value === undefined) {
      switches.set(flag.name, eq > 0 ? parseBoolean(`--${flag.name}`, arg.slice(eq + 1)) : true);
      continue;
    }
    let value: string;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`${spec.name}: flag --${flag.name} needs a value ${flag.value}`);
      value = argv[++i];
    }
    if (value === '') throw new UsageError(`${spec.name}: flag --${flag.name} needs a non-empty value ${flag.value}`);
    values.set(flag.name, value);
  }
  return new ParsedFlags(help, values, switches);
}

/** A boolean from a flag or an environment variable; `source` names where it came from. */
export function parseBoolean(source: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new UsageError(`${source}: "${value}" is not a boolean (use true or false)`);
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
  const given = names.filter((n) => flags.given(n));
  if (given.length > 1) throw new UsageError(`${spec.name}: ${given.map((n) => `--${n}`).join(' and ')} exclude each other: pick one`);
}
