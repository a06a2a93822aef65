import { ReceiverProvider, ReceiverType } from '../../src';

const issuer = {
  issuerUrl: 'https://token.actions.githubusercontent.com',
  validations: [{ expression: "claims.repository_owner == 'org'", message: 'wrong owner' }],
};

describe('ReceiverProvider', () => {
  test('a factory exists for each of the 13 Flux receiver types and sets its type', () => {
    const providers = [
      ReceiverProvider.generic(), ReceiverProvider.genericHmac(), ReceiverProvider.genericOidc({ issuers: [issuer] }),
      ReceiverProvider.github(), ReceiverProvider.gitlab(), ReceiverProvider.bitbucket(), ReceiverProvider.harbor(),
      ReceiverProvider.dockerhub(), ReceiverProvider.quay(), ReceiverProvider.gcr(), ReceiverProvider.nexus(),
      ReceiverProvider.acr(), ReceiverProvider.cdevents(),
    ];
    const extensions: string[] = [ReceiverType.GITEA, ReceiverType.AZURE_DEVOPS, ReceiverType.STANDARD_WEBHOOKS];
    expect(providers.map((p) => p.type).sort()).toEqual(Object.values(ReceiverType).filter((t) => !extensions.includes(t)).sort());
    expect(new Set(providers.map((p) => p.type)).size).toBe(13);
    expect(providers.filter((p) => p.isExtension)).toEqual([]);
  });

  describe('event names the sender never sends are refused with a suggestion', () => {
    test('GitHub: a hyphen for an underscore, and GitLab\'s name on a github receiver', () => {
      expect(() => ReceiverProvider.github({ events: ['ping', 'pull-request'] })).toThrow(
        'ReceiverProvider.github(): event "pull-request" is not one github senders put in X-GitHub-Event, so no webhook would ever match it: did you mean "pull_request"? '
        + 'If the sender does send it (an event newer than this list), set allowUnknownEvents: true');
      expect(() => ReceiverProvider.github({ events: ['Push Hook'] })).toThrow(/event "Push Hook" is not one github senders put in X-GitHub-Event.*did you mean "push"\?/);
      expect(() => ReceiverProvider.github({ events: ['pushh'] })).toThrow(/did you mean "push"\?/);
      expect(() => ReceiverProvider.github({ events: ['deploy'] })).toThrow(/event "deploy" .*did you mean "deploy_key"\?/);
    });
    test('GitLab: the bare name for the "… Hook" header value', () => {
      expect(() => ReceiverProvider.gitlab({ events: ['push'] })).toThrow(/ReceiverProvider.gitlab\(\): event "push" is not one gitlab senders put in X-Gitlab-Event.*did you mean "Push Hook"\?/);
      expect(() => ReceiverProvider.gitlab({ events: ['merge_request'] })).toThrow(/did you mean "Merge Request Hook"\?/);
    });
    test('Bitbucket; CDEvents\' free-form Ce-Type is not checked', () => {
      expect(() => ReceiverProvider.bitbucket({ events: ['push'] })).toThrow(/event "push" is not one bitbucket senders put in X-Event-Key.*did you mean "repo:push"\?/);
      expect(ReceiverProvider.cdevents({ events: ['cd.change.merged.v1', 'dev.cdevents.change.merged.0.2.0'] }).events).toHaveLength(2);
      expect(() => ReceiverProvider.of(ReceiverType.GITHUB, { events: ['pull-request'] })).toThrow(/ReceiverProvider.of\("github"\): event "pull-request".*"pull_request"/);
    });
    test('no suggestion when nothing is close', () => {
      expect(() => ReceiverProvider.github({ events: ['xyzzy'] }))
        .toThrow(/event "xyzzy" .*use a name such as "push" \(see https:\/\/docs.github.com\/en\/webhooks\/webhook-events-and-payloads\)/);
    });
    test('documented names pass in any case (Flux compares case-insensitively), as do Gitea\'s and Bitbucket Server\'s', () => {
      expect(ReceiverProvider.github({ events: ['PUSH', 'package', 'pull_request_sync'] }).events).toEqual(['PUSH', 'package', 'pull_request_sync']);
      expect(ReceiverProvider.gitlab({ events: ['push hook', 'Tag Push Hook'] }).events).toEqual(['push hook', 'Tag Push Hook']);
      expect(ReceiverProvider.bitbucket({ events: ['repo:refs_changed', 'diagnostics:ping'] }).events).toHaveLength(2);
    });
    test('allowUnknownEvents is the escape hatch, only where events are filtered', () => {
      expect(ReceiverProvider.github({ events: ['brand_new_event'], allowUnknownEvents: true }).events).toEqual(['brand_new_event']);
      expect(ReceiverProvider.of(ReceiverType.GITLAB, { events: ['New Hook'], allowUnknownEvents: true }).events).toEqual(['New Hook']);
      expect(() => ReceiverProvider.of(ReceiverType.HARBOR, { allowUnknownEvents: true }))
        .toThrow('ReceiverProvider.of("harbor"): allowUnknownEvents is meaningless for harbor receivers, which have no event header: remove it');
    });
  });

  test('events are kept for the providers with an event header', () => {
    expect(ReceiverProvider.github({ events: ['ping', 'push'] }).events).toEqual(['ping', 'push']);
    expect(ReceiverProvider.gitlab({ events: ['Push Hook'] }).events).toEqual(['Push Hook']);
    expect(ReceiverProvider.bitbucket({ events: ['repo:push'] }).events).toEqual(['repo:push']);
    expect(ReceiverProvider.cdevents({ events: ['dev.cdevents.change.merged.0.2.0'] }).events).toEqual(['dev.cdevents.change.merged.0.2.0']);
    expect(ReceiverProvider.github().events).toEqual([]);
    expect(ReceiverProvider.github()._eventsSpec()).toBeUndefined();
  });

  test('only generic-oidc works without a secret', () => {
    expect(ReceiverProvider.genericOidc({ issuers: [issuer] }).requiresSecret).toBe(false);
    expect(ReceiverProvider.gcr().requiresSecret).toBe(true);
    expect(ReceiverProvider.generic().requiresSecret).toBe(true);
  });

  test('generic-oidc issuers become Flux oidcProviders', () => {
    const p = ReceiverProvider.genericOidc({
      issuers: [{ ...issuer, audience: 'my-aud', variables: [{ name: 'owner', expression: 'claims.repository_owner' }] }],
    });
    expect(p._oidcProvidersSpec()).toEqual([{
      issuerUrl: 'https://token.actions.githubusercontent.com',
      audience: 'my-aud',
      variables: [{ name: 'owner', expression: 'claims.repository_owner' }],
      validations: [{ expression: "claims.repository_owner == 'org'", message: 'wrong owner' }],
    }]);
    expect(ReceiverProvider.github()._oidcProvidersSpec()).toBeUndefined();
  });

  test('ReceiverProvider.of applies the same rules', () => {
    expect(ReceiverProvider.of(ReceiverType.GITHUB, { events: ['push'] }).events).toEqual(['push']);
    expect(ReceiverProvider.of(ReceiverType.QUAY).type).toBe('quay');
    expect(ReceiverProvider.of(ReceiverType.GENERIC_OIDC, { issuers: [issuer] }).type).toBe('generic-oidc');
  });

  describe('validation', () => {
    test('events given to harbor', () => {
      expect(() => ReceiverProvider.of(ReceiverType.HARBOR, { events: ['push'] })).toThrow(/events \["push"\] are ignored by harbor receivers.*remove events/);
      expect(() => (ReceiverProvider as any).harbor({ events: ['push'] })).toThrow(/harbor\(\) takes no options, got \{"events":\["push"\]\}/);
      expect(() => (ReceiverProvider as any).gcr({ events: ['x'] })).toThrow(/gcr\(\) takes no options/);
    });

    test('options of another provider', () => {
      expect(() => (ReceiverProvider as any).github({ issuers: [issuer] })).toThrow(/github\(\) does not accept issuers=/);
      expect(() => (ReceiverProvider as any).genericOidc({ issuers: [issuer], events: ['push'] })).toThrow(/does not accept events=\["push"\]/);
      expect(() => ReceiverProvider.of(ReceiverType.GITLAB, { issuers: [issuer] })).toThrow(/issuers \["https:\/\/token.actions.githubusercontent.com"\] can only be set for generic-oidc/);
      expect(() => ReceiverProvider.of('gitlabz' as ReceiverType)).toThrow(/unknown receiver type "gitlabz"/);
    });

    test('empty event names', () => {
      expect(() => ReceiverProvider.github({ events: ['push', ''] })).toThrow(/event "" in \["push",""\] is empty/);
      expect(() => ReceiverProvider.gitlab({ events: 'push' as any })).toThrow(/events must be a list of event names, got "push"/);
    });

    test('generic-oidc without issuers', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [] })).toThrow(/issuers \[\] is empty/);
      expect(() => ReceiverProvider.of(ReceiverType.GENERIC_OIDC)).toThrow(/issuers \[\] is empty/);
    });

    test('empty issuer', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, issuerUrl: '' }] })).toThrow(/issuerUrl "" is empty/);
    });

    test('non-https issuer', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, issuerUrl: 'http://issuer.example' }] }))
        .toThrow(/issuerUrl "http:\/\/issuer.example" is not an https URL/);
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, issuerUrl: 'token.actions.githubusercontent.com' }] }))
        .toThrow(/issuerUrl "token.actions.githubusercontent.com" is not an https URL/);
    });

    test('duplicate issuer', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [issuer, issuer] })).toThrow(/"https:\/\/token.actions.githubusercontent.com" is listed twice/);
    });

    test('issuer without validations', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, validations: [] }] })).toThrow(/has no validations \(\[\]\)/);
    });

    test('blank validation expression or message, bad variable, blank audience', () => {
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, validations: [{ expression: ' ', message: 'm' }] }] })).toThrow(/empty expression " "/);
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, validations: [{ expression: 'true', message: '' }] }] })).toThrow(/validation "true" .* empty message ""/);
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, variables: [{ name: '1owner', expression: 'x' }] }] })).toThrow(/variable name "1owner" .* not a CEL identifier/);
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, variables: [{ name: 'owner', expression: '' }] }] })).toThrow(/variable "owner" .* empty expression ""/);
      expect(() => ReceiverProvider.genericOidc({ issuers: [{ ...issuer, audience: '' }] })).toThrow(/audience of https:\/\/token.actions.githubusercontent.com "" is empty/);
    });
  });
});
