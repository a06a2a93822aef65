import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, Node } from 'constructs';
import { GitRef, GitRepository } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';

type Manifest = ManifestObject & { spec?: any };

describe('GitRepository', () => {
  test('renders a Flux v1 GitRepository; generated L1 is the Resource child', () => {
    const chart = Testing.chart();
    const repo = new GitRepository(chart, 'webapp', {
      url: 'https://github.com/org/webapp',
      ref: GitRef.branch('master'),
      interval: Duration.hours(1),
      secretRef: kplus.Secret.fromSecretName(chart, 'auth', 'git-auth'),
    });
    const [manifest] = Testing.synth(chart) as Manifest[];
    expect(manifest).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: repo.name },
      spec: { url: 'https://github.com/org/webapp', interval: '1h', ref: { branch: 'master' }, secretRef: { name: 'git-auth' } },
    });
    expect(Node.of(repo).defaultChild).toBe(repo.apiObject);
    expect(ApiObject.of(repo).kind).toBe('GitRepository');
    expect(repo.name).toBe('webapp');
    expect(manifest).toMatchSnapshot();
  });

  test('the name: metadata.name, else the construct id when it is a valid object name, else generated', () => {
    const chart = Testing.chart();
    const url = 'https://github.com/org/webapp';
    expect(new GitRepository(chart, 'webapp', { url }).name).toBe('webapp');
    expect(new GitRepository(chart, 'flux-system.apps', { url }).name).toBe('flux-system.apps');
    expect(new GitRepository(chart, 'named', { url, metadata: { name: 'explicit', labels: { a: 'b' } } }).name).toBe('explicit');
    // Not valid object names: cdk8s generates one from the construct path.
    expect(new GitRepository(chart, 'WebApp', { url }).name).toMatch(/^test-webapp-[0-9a-f]{8}$/);
    // Other metadata is kept next to the id as name.
    const labelled = new GitRepository(chart, 'labelled', { url, metadata: { labels: { team: 'a' } } });
    expect(labelled.apiObject.metadata.name).toBe('labelled');
    expect(labelled.apiObject.metadata.getLabel('team')).toBe('a');
  });

  test('the same id in two scopes of one namespace is refused at synth time, naming both', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'apps', { namespace: 'flux-system' });
    new GitRepository(new Construct(chart, 'team-a'), 'webapp', { url: 'https://github.com/a/webapp' });
    new GitRepository(new Construct(chart, 'team-b'), 'webapp', { url: 'https://github.com/b/webapp' });
    expect(() => app.synth()).toThrow(/GitRepository flux-system\/webapp[\s\S]*team-a[\s\S]*team-b|team-a[\s\S]*team-b[\s\S]*webapp/);
  });

  test('defaults: 10m interval, no ref, no secret', () => {
    const chart = Testing.chart();
    new GitRepository(chart, 'r', { url: 'ssh://git@github.com/org/repo' });
    expect((Testing.synth(chart)[0] as Manifest).spec).toEqual({ url: 'ssh://git@github.com/org/repo', interval: '10m' });
  });

  test('each GitRef sets exactly its field', () => {
    expect(GitRef.branch('main')._toSpec()).toEqual({ branch: 'main' });
    expect(GitRef.tag('v1.0.0')._toSpec()).toEqual({ tag: 'v1.0.0' });
    expect(GitRef.semver('>=1.0.0 <2.0.0')._toSpec()).toEqual({ semver: '>=1.0.0 <2.0.0' });
    expect(GitRef.commit('0123abc')._toSpec()).toEqual({ commit: '0123abc', branch: undefined });
    expect(GitRef.commit('0123abc', { branch: 'main' })._toSpec()).toEqual({ commit: '0123abc', branch: 'main' });
    expect(GitRef.refName('refs/pull/420/head')._toSpec()).toEqual({ name: 'refs/pull/420/head' });
  });

  test('validation', () => {
    expect(() => new GitRepository(Testing.chart(), 'r', { url: 'git@github.com:org/repo.git' }))
      .toThrow(/url "git@github.com:org\/repo.git" must start with https:\/\/, http:\/\/ or ssh:\/\/: for scp-like addresses write ssh:\/\/git@github.com\/org\/repo/);
    expect(() => GitRef.branch('')).toThrow(/GitRef.branch\(""\) is empty/);
    expect(() => GitRef.commit('main')).toThrow(/GitRef.commit\("main"\) is not a commit SHA/);
    expect(() => GitRef.refName('main')).toThrow(/GitRef.refName\("main"\) is not a full reference name/);
    expect(() => new GitRepository(Testing.chart(), 'r', { url: 'https://x/y', interval: Duration.millis(0) })).toThrow(/interval must be a positive whole number of milliseconds, got 0ms/);
  });

  test('passes a strict dry run against the real CRD, for every kind of ref', async () => {
    const ns = await createTestNamespace('cr-git');
    const chart = Testing.chart();
    const refs = [GitRef.branch('main'), GitRef.tag('v1'), GitRef.semver('1.x'), GitRef.commit('0123abc', { branch: 'main' }), GitRef.refName('refs/heads/main')];
    refs.forEach((ref, i) => new GitRepository(chart, `r${i}`, { url: 'https://github.com/org/webapp', ref, metadata: { namespace: ns } }));
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects.map((o) => o.kind)).toEqual(refs.map(() => 'GitRepository'));
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });
});
