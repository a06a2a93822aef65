import { commandHelp, CommandSpec, exclusive, parseBoolean, parseFlags, UsageError } from '../../../server/commands/flags';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'a command to parse',
  synopsis: ['demo --name <name> [--dry-run]'],
  description: ['Demonstrates the flags.'],
  flags: [
    { name: 'name', short: 'n', value: '<name>', help: 'a name' },
    { name: 'base', value: '<url>', help: 'a base URL' },
    { name: 'dry-run', help: 'change nothing' },
    { name: 'prune', help: 'remove old ones' },
  ],
  examples: ['demo --name a', '# a comment line'],
};

describe('the flag parser every command uses', () => {
  test('a value follows its flag, after "=", or after a one-letter alias; the last occurrence wins', () => {
    expect(parseFlags(SPEC, ['--name', 'a']).value('name')).toBe('a');
    expect(parseFlags(SPEC, ['--name=a=b']).value('name')).toBe('a=b');
    expect(parseFlags(SPEC, ['-n', 'a']).value('name')).toBe('a');
    expect(parseFlags(SPEC, ['--name', 'a', '-n', 'b']).value('name')).toBe('b');
    const none = parseFlags(SPEC, []);
    expect([none.value('name'), none.given('name'), none.help]).toEqual([undefined, false, false]);
  });

  test('a boolean flag alone is on; =false turns it off, and both count as given', () => {
    const on = parseFlags(SPEC, ['--dry-run']);
    expect([on.on('dry-run'), on.switch('dry-run'), on.given('dry-run')]).toEqual([true, true, true]);
    const off = parseFlags(SPEC, ['--dry-run=false']);
    expect([off.on('dry-run'), off.switch('dry-run'), off.given('dry-run')]).toEqual([false, false, true]);
    const absent = parseFlags(SPEC, ['--name', 'a']);
    expect([absent.on('dry-run'), absent.switch('dry-run'), absent.given('dry-run')]).toEqual([false, undefined, false]);
    expect(parseFlags(SPEC, ['--dry-run=YES']).on('dry-run')).toBe(true);
  });

  test('a value that looks like a flag is still the value of the flag before it', () => {
    expect(parseFlags(SPEC, ['--name', '--dry-run']).value('name')).toBe('--dry-run');
  });

  test.each([
    [['--nme', 'a'], 'demo: unknown flag "--nme"'],
    [['a'], 'demo: unexpected argument "a" (every input is a flag: see --help)'],
    [['-'], 'demo: unexpected argument "-" (every input is a flag: see --help)'],
    [['--name'], 'demo: flag --name needs a value <name>'],
    [['--name='], 'demo: flag --name needs a non-empty value <name>'],
    [['--name', ''], 'demo: flag --name needs a non-empty value <name>'],
    [['--dry-run=maybe'], '--dry-run: "maybe" is not a boolean (use true or false)'],
    [['-n=a'], 'demo: unknown flag "-n=a"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseFlags(SPEC, argv)).toThrow(new UsageError(message));
  });

  test('--help and -h are seen wherever they stand', () => {
    expect(parseFlags(SPEC, ['--name', 'a', '--help']).help).toBe(true);
    expect(parseFlags(SPEC, ['-h']).help).toBe(true);
  });

  test('booleans from the environment use the same words, named by their source', () => {
    expect(['true', '1', 'Yes', 'false', '0', 'NO'].map((v) => parseBoolean('RECEIVER_X', v))).toEqual([true, true, true, false, false, false]);
    expect(() => parseBoolean('environment variable RECEIVER_X', 'on')).toThrow(new UsageError('environment variable RECEIVER_X: "on" is not a boolean (use true or false)'));
  });

  test('flags that exclude each other are refused by name, whatever their value', () => {
    expect(() => exclusive(SPEC, parseFlags(SPEC, ['--name', 'a', '--prune=false']), ['name', 'prune']))
      .toThrow(new UsageError('demo: --name and --prune exclude each other: pick one'));
    expect(() => exclusive(SPEC, parseFlags(SPEC, ['--name', 'a']), ['name', 'prune'])).not.toThrow();
    expect(() => exclusive(SPEC, parseFlags(SPEC, ['--base', 'b', '--name', 'a', '--dry-run']), ['base', 'name', 'dry-run']))
      .toThrow(new UsageError('demo: --base and --name and --dry-run exclude each other: pick one'));
  });

  test('the help lists the synopsis, the description, every flag with its alias and value, the examples and the exit codes', () => {
    expect(commandHelp('tool', SPEC).split('\n')).toEqual([
      'Usage: tool demo --name <name> [--dry-run]',
      '',
      'Demonstrates the flags.',
      '',
      'Flags:',
      '  -n, --name <name>   a name',
      '  --base <url>        a base URL',
      '  --dry-run           change nothing',
      '  --prune             remove old ones',
      '  -h, --help          print this help',
      '',
      'Examples:',
      '  tool demo --name a',
      '  # a comment line',
      '',
      'Exit codes: 0 done, 1 failed (the message says why), 2 bad command line.',
      '',
    ]);
  });
});
