import { parseCommandLine, usage, UsageError } from '../../server/cli';
import { UsageError as SubcommandUsageError } from '../../server/commands';
import { SERVER_FLAGS } from '../../src/model';

describe('command line', () => {
  test('defaults come from the server contract', () => {
    const cmd = parseCommandLine(['serve', '--receivers', '/etc/r'], {});
    expect(cmd).toEqual({
      kind: 'serve',
      options: {
        listen: SERVER_FLAGS.listen.default,
        metricsListen: SERVER_FLAGS.metricsListen.default,
        healthListen: SERVER_FLAGS.healthListen.default,
        receivers: '/etc/r',
        secretsDir: undefined,
        watchReceivers: false,
        namespace: undefined,
        secretsByName: false,
        secretsFromCluster: false,
        kubeconfig: undefined,
        noCrossNamespaceRefs: false,
        logLevel: 'info',
        duplicateWindowMs: 0, // redelivery window off by default, as Flux
        // Extensions: the rate limit is on by default (20/s, burst 200; generic 2/s, burst 20), JSON answers are not.
        rateLimit: { perSecond: 20, burst: 200 },
        genericRateLimit: { perSecond: 2, burst: 20 },
        jsonAnswers: false,
        recordEvents: false,
      },
    });
  });

  test('--duplicate-window takes a Go duration up to 24h; 0 turns it off', () => {
    const window = (value: string) => {
      const cmd = parseCommandLine(['serve', '--receivers', 'r', '--duplicate-window', value], {});
      return cmd.kind === 'serve' ? cmd.options.duplicateWindowMs : undefined;
    };
    expect(window('90s')).toBe(90_000);
    expect(window('1h30m')).toBe(5_400_000);
    expect(window('1.5s')).toBe(1500);
    expect(window('0')).toBe(0);
    expect(window('24h')).toBe(86_400_000);
    const fromEnv = parseCommandLine(['serve', '--receivers', 'r'], { RECEIVER_DUPLICATE_WINDOW: '10m' });
    expect(fromEnv.kind === 'serve' && fromEnv.options.duplicateWindowMs).toBe(600_000);
    for (const bad of ['25h', '5', '-1m', '5 m', 'forever']) {
      expect(() => window(bad)).toThrow(new UsageError(`--duplicate-window: "${bad}" is not a duration from 0 to 24h (use e.g. 5m, 30s or 0 to turn it off)`));
    }
  });

  test('rate limits: flags and variables in <n>/<s|m|h>[,burst=<n>] form, "off", and a bad value named with its source', () => {
    const cmd = parseCommandLine(['serve', '--receivers', 'r', '--rate-limit', '90/m', '--json-answers'], { RECEIVER_GENERIC_RATE_LIMIT: 'off' });
    expect(cmd.kind === 'serve' && cmd.options).toMatchObject({ rateLimit: { perSecond: 1.5, burst: 90 }, genericRateLimit: undefined, jsonAnswers: true });
    expect(() => parseCommandLine(['serve', '--receivers', 'r', '--rate-limit=0/s'], {}))
      .toThrow('--rate-limit: "0/s": the request count must be above 0 and at most 1000000 (use "off" for no limit)');
    expect(() => parseCommandLine(['serve', '--receivers', 'r'], { RECEIVER_GENERIC_RATE_LIMIT: '5 per second' }))
      .toThrow('environment variable RECEIVER_GENERIC_RATE_LIMIT: "5 per second" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"');
  });

  test('--record-events (extension) is off by default; the flag or RECEIVER_RECORD_EVENTS turns it on', () => {
    const flag = parseCommandLine(['serve', '--receivers', 'r', '--record-events'], {});
    expect(flag.kind === 'serve' && flag.options.recordEvents).toBe(true);
    const env = parseCommandLine(['serve', '--receivers', 'r'], { RECEIVER_RECORD_EVENTS: 'true' });
    expect(env.kind === 'serve' && env.options.recordEvents).toBe(true);
    expect(usage()).toContain('--record-events');
  });

  test('environment variables set flags; a flag on the command line wins', () => {
    const env = { RECEIVER_LISTEN: '127.0.0.1:1234', RECEIVER_RECEIVERS: '/env', RECEIVER_NO_CROSS_NAMESPACE_REFS: 'true', KUBECONFIG: '/kc', RECEIVER_LOG_LEVEL: 'debug' };
    const cmd = parseCommandLine(['serve', '--listen=[::1]:9000'], env);
    expect(cmd.kind === 'serve' && cmd.options).toMatchObject({ listen: '[::1]:9000', receivers: '/env', noCrossNamespaceRefs: true, kubeconfig: '/kc', logLevel: 'debug' });
  });

  test('boolean flags take no value, or an explicit =false', () => {
    const on = parseCommandLine(['serve', '--watch-receivers', '--namespace', 'flux-system'], {});
    expect(on.kind === 'serve' && on.options).toMatchObject({ watchReceivers: true, namespace: 'flux-system', secretsByName: false });
    const named = parseCommandLine(['serve', '--watch-receivers', '--secrets-by-name'], {});
    expect(named.kind === 'serve' && named.options.secretsByName).toBe(true);
    const off = parseCommandLine(['serve', '--receivers', 'r', '--no-cross-namespace-refs=false'], { RECEIVER_NO_CROSS_NAMESPACE_REFS: 'true' });
    expect(off.kind === 'serve' && off.options.noCrossNamespaceRefs).toBe(false);
  });

  test.each([
    [['serve', '--receivers', 'r', '--watch-receivers'], /exclude each other/],
    [['serve', '--receivers'], /^serve: flag --receivers needs a value <value>$/],
    [['serve', '--receivers='], /^serve: flag --receivers needs a non-empty value <value>$/],
    [['serve', '--receivers', 'r', '--lisen', ':9292'], /^serve: unknown flag "--lisen"$/],
    [['serve', '--receivers', 'r', 'extra'], /^serve: unexpected argument "extra"/],
    [['serve', '--watch-receivers=maybe'], /^--watch-receivers: "maybe" is not a boolean \(use true or false\)$/],
    [['serve', '--receivers', 'r', '--listen', ':99999'], /not a listen address/],
    [['serve', '--receivers', 'r', '--secrets-by-name'], /--secrets-by-name needs --watch-receivers: in files mode Secrets are mounted files/],
    [['serve', '--receivers', 'r', '--secrets-dir', 's', '--secrets-from-cluster'], /--secrets-from-cluster is for files mode without --secrets-dir/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv, {})).toThrow(UsageError);
    expect(() => parseCommandLine(argv, {})).toThrow(message);
  });

  test('serve and the subcommands share one parser and one usage error', () => {
    expect(UsageError).toBe(SubcommandUsageError);
    // A boolean given as =true/=false is read the same way as the subcommands read it.
    const on = parseCommandLine(['serve', '--receivers', 'r', '--json-answers=yes'], {});
    expect(on.kind === 'serve' && on.options.jsonAnswers).toBe(true);
  });

  test('help and version', () => {
    expect(parseCommandLine(['serve', '--help'], {}).kind).toBe('help');
    expect(parseCommandLine(['--version'], {}).kind).toBe('version');
  });

  test('token, url, send and register take their own flags, --help included; serve\'s environment is not read for them', () => {
    expect(parseCommandLine(['token', '--help'], {})).toEqual({ kind: 'subcommand', name: 'token', args: ['--help'] });
    expect(parseCommandLine(['url', '--base', 'https://h', '--from-cluster'], { RECEIVER_LISTEN: 'nope' }))
      .toEqual({ kind: 'subcommand', name: 'url', args: ['--base', 'https://h', '--from-cluster'] });
    expect(parseCommandLine(['send'], {})).toEqual({ kind: 'subcommand', name: 'send', args: [] });
    expect(parseCommandLine(['register', '--dry-run'], {})).toEqual({ kind: 'subcommand', name: 'register', args: ['--dry-run'] });
  });

  test('an unknown command names every command', () => {
    expect(() => parseCommandLine(['tokens'], {})).toThrow('unknown command "tokens": use "serve", "token", "url", "send", "register"');
    expect(() => parseCommandLine([], {})).toThrow('missing command: use "serve", "token", "url", "send", "register"');
  });

  test('the help starts with every command, then the flags of serve', () => {
    const lines = usage().split('\n');
    expect(lines.slice(0, 9).map((l) => l.split(/ {3,}/)[0])).toEqual([
      'Usage: flux-webhook-receiver <command> [flags]',
      '',
      'Commands:',
      '  flux-webhook-receiver serve',
      '  flux-webhook-receiver token',
      '  flux-webhook-receiver url',
      '  flux-webhook-receiver send',
      '  flux-webhook-receiver register',
      '',
    ]);
    expect(lines).toContain('Run "flux-webhook-receiver <command> --help" for the flags of token, url, send, register.');
    expect(lines.indexOf('Usage: flux-webhook-receiver serve [flags]')).toBeGreaterThan(9);
    expect(lines.indexOf('Usage: flux-webhook-receiver serve [flags]')).toBeLessThan(lines.findIndex((l) => l.startsWith('  --listen')));
  });
});
