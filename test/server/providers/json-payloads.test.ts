// dockerhub, quay and acr decode with Go's streaming decoder into typed structs (docs/flux-behaviour.md, "Per-type checks").
import { validate, webhookRequest } from './provider-request';

const cases: Record<string, { good: string; wrongType: string[]; description: string }> = {
  dockerhub: {
    good: '{"push_data":{"tag":"latest"},"repository":{"repo_url":"https://hub.docker.com/r/org/app"}}',
    wrongType: ['{"push_data":"x"}', '{"push_data":{"tag":1}}', '{"repository":[]}', '[]', '"text"', '7'],
    description: 'handling DockerHub event from https://hub.docker.com/r/org/app for tag latest',
  },
  quay: {
    good: '{"docker_url":"quay.io/org/app","updated_tags":["v1"]}',
    wrongType: ['{"updated_tags":"v1"}', '{"updated_tags":[1]}', '{"docker_url":{}}', 'true'],
    description: 'handling Quay event from quay.io/org/app',
  },
  acr: {
    good: '{"action":"push","target":{"repository":"hello-world","tag":"v1"}}',
    wrongType: ['{"target":"x"}', '{"target":{"tag":false}}', '{"action":1}'],
    description: 'handling ACR event from hello-world for tag v1',
  },
};

describe.each(Object.keys(cases))('%s', (type) => {
  const { good, wrongType, description } = cases[type];

  test('accepted, with the Flux log description', async () => {
    expect(await validate(type, webhookRequest({ body: good }))).toMatchObject({ ok: true, description });
  });

  test('trailing data after the first value is ignored', async () => {
    expect((await validate(type, webhookRequest({ body: `${good}\n{not json` }))).ok).toBe(true);
  });

  test('null, {} and unknown fields are accepted', async () => {
    for (const body of ['null', '{}', '{"unknown":{"deep":[1,2]}}']) {
      expect((await validate(type, webhookRequest({ body }))).ok).toBe(true);
    }
  });

  test('null field values are accepted', async () => {
    const body = type === 'quay' ? '{"docker_url":null,"updated_tags":[null]}' : type === 'acr' ? '{"target":null}' : '{"push_data":null}';
    expect((await validate(type, webhookRequest({ body }))).ok).toBe(true);
  });

  test.each(['', '   ', '{', '{"a":}', 'not json'])('undecodable body %j is refused', async (body) => {
    expect((await validate(type, webhookRequest({ body }))).ok).toBe(false);
  });

  test.each(wrongType)('wrong JSON types %j are refused', async (body) => {
    expect((await validate(type, webhookRequest({ body }))).ok).toBe(false);
  });
});

test('field names match case-insensitively, like Go', async () => {
  expect(await validate('quay', webhookRequest({ body: '{"Docker_URL":"quay.io/x/y"}' }))).toMatchObject({ ok: true, description: 'handling Quay event from quay.io/x/y' });
  expect((await validate('quay', webhookRequest({ body: '{"DOCKER_URL":5}' }))).ok).toBe(false);
});

test('the body is passed on unchanged for CEL', async () => {
  const body = '{"docker_url":"quay.io/org/app"} trailing';
  expect(await validate('quay', webhookRequest({ body, headers: { 'Content-Type': 'application/json' } }))).toMatchObject({ ok: true, payloadIsJson: true, payload: Buffer.from(body) });
});
