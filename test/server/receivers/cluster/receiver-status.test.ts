// The status notification-controller would write, computed without a cluster.
import { createHash } from 'crypto';
import {
  evaluateReceiver, REASONS, secretMissingTokenMessage, secretNotFoundApiError, secretReadErrorMessage, statusEquals,
  TERMINAL_MESSAGE_PREFIX, type TokenLookup,
} from '../../../../server/receivers/cluster/receiver-status';
import type { ReceiverObject, ReceiverStatus } from '../../../../src/model';

const T0 = new Date('2026-11-24T01:00:00.123Z');
const T1 = new Date('2026-11-24T02:30:00.000Z');

function receiver(overrides: { spec?: Partial<ReceiverObject['spec']>; status?: ReceiverStatus; generation?: number; annotations?: Record<string, string> } = {}): ReceiverObject {
  return {
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'my-receiver', namespace: 'default', generation: overrides.generation ?? 3, annotations: overrides.annotations },
    spec: { type: 'generic', resources: [], secretRef: { name: 'webhook-token' }, ...overrides.spec },
    status: overrides.status ?? { observedGeneration: -1 },
  };
}

const found = (token: string): TokenLookup => ({ kind: 'found', token: Buffer.from(token) });
const missing: TokenLookup = { kind: 'error', message: secretReadErrorMessage('default', 'webhook-token', secretNotFoundApiError('webhook-token')) };
// Independently computed path vector (docs/flux-behaviour.md, "Webhook path").
const MY_TOKEN_PATH = '/hook/28271ef639bececea029750537fbf5217bb510000adf056dc3b543cbbc4ee4fd';

function condition(status: ReceiverStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

describe('evaluateReceiver', () => {
  test('a readable token makes the receiver Ready with Flux\'s message, path and observedGeneration', () => {
    const ev = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 });
    expect(ev.ready).toBe(true);
    expect(ev.webhookPath).toBe(MY_TOKEN_PATH);
    expect(ev.status?.webhookPath).toBe(MY_TOKEN_PATH);
    expect(ev.status?.observedGeneration).toBe(3);
    expect(ev.status?.conditions).toEqual([{
      type: 'Ready',
      status: 'True',
      observedGeneration: 3,
      lastTransitionTime: '2026-11-24T01:00:00Z',
      reason: 'Succeeded',
      message: `Receiver initialized for path: ${MY_TOKEN_PATH}`,
    }]);
  });

  test('generic-oidc hashes the empty token', () => {
    const ev = evaluateReceiver({ object: receiver({ spec: { type: 'generic-oidc', secretRef: undefined } }), token: { kind: 'none' }, now: T0 });
    expect(ev.webhookPath).toBe('/hook/83579a735892e34a07366333c25cb279278d29531730c414ea9870a01885f586');
  });

  test('a missing Secret gives TokenNotFound with Flux\'s message, clears the path and keeps observedGeneration', () => {
    const ready = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 }).status!;
    const ev = evaluateReceiver({ object: receiver({ status: ready, generation: 4 }), token: missing, now: T1 });
    expect(ev.ready).toBe(false);
    expect(ev.webhookPath).toBeUndefined();
    expect(ev.status?.webhookPath).toBeUndefined();
    expect(ev.status?.observedGeneration).toBe(3);
    const readyCondition = condition(ev.status, 'Ready');
    expect(readyCondition).toMatchObject({
      status: 'False',
      reason: 'TokenNotFound',
      observedGeneration: 4,
      lastTransitionTime: '2026-11-24T02:30:00Z',
      message: 'unable to read token from secret \'default/webhook-token\' error: secrets "webhook-token" not found',
    });
    expect(condition(ev.status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry', message: 'Reconciliation in progress' });
    expect(ev.notReadyReason).toBe(`TokenNotFound: ${readyCondition!.message}`);
  });

  test('a Secret without the token key gives Flux\'s "required fields" message', () => {
    const message = secretMissingTokenMessage('default', 'webhook-token');
    const ev = evaluateReceiver({ object: receiver(), token: { kind: 'error', message }, now: T0 });
    expect(message).toBe('invalid \'default/webhook-token\' secret data: required fields \'token\'');
    expect(condition(ev.status, 'Ready')?.message).toBe(message);
  });

  test('recovery removes Reconciling and bumps observedGeneration', () => {
    const failing = evaluateReceiver({ object: receiver({ generation: 5 }), token: missing, now: T0 }).status!;
    const ev = evaluateReceiver({ object: receiver({ status: failing, generation: 5 }), token: found('my-token'), now: T1 });
    expect(ev.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(ev.status?.observedGeneration).toBe(5);
    expect(condition(ev.status, 'Ready')?.lastTransitionTime).toBe('2026-11-24T02:30:00Z');
  });

  test('a terminal problem sets Ready=False and Stalled=True with the prefix, removes Reconciling, keeps the stored path', () => {
    const failing = evaluateReceiver({ object: receiver(), token: missing, now: T0 }).status!;
    const stored = { ...failing, webhookPath: '/hook/previous' };
    const detail = 'invalid resourceFilter expression: failed to parse';
    const ev = evaluateReceiver({ object: receiver({ status: stored, generation: 7 }), token: found('my-token'), problem: { reason: 'InvalidCELExpression', detail }, now: T1 });
    expect(ev.ready).toBe(false);
    expect(ev.status?.observedGeneration).toBe(7);
    expect(ev.status?.webhookPath).toBe('/hook/previous');
    expect(condition(ev.status, 'Reconciling')).toBeUndefined();
    for (const type of ['Ready', 'Stalled']) {
      expect(condition(ev.status, type)).toMatchObject({
        reason: REASONS.invalidCelExpression,
        message: TERMINAL_MESSAGE_PREFIX + detail,
        observedGeneration: 7,
      });
    }
    expect(condition(ev.status, 'Stalled')?.status).toBe('True');
    expect(condition(ev.status, 'Ready')?.status).toBe('False');
    expect(ev.status?.conditions?.[0].type).toBe('Ready');
  });

  test('fixing a terminal problem deletes Stalled', () => {
    const stalled = evaluateReceiver({ object: receiver(), token: found('my-token'), problem: { reason: 'ValidationFailed', detail: 'x' }, now: T0 }).status!;
    const ev = evaluateReceiver({ object: receiver({ status: stalled, generation: 4 }), token: found('my-token'), now: T1 });
    expect(ev.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
  });

  test('suspended receivers leave the status untouched and are not ready, on the path in status (Flux routes by it)', () => {
    const ev = evaluateReceiver({ object: receiver({ spec: { suspend: true }, status: { webhookPath: '/hook/previous' } }), token: found('my-token'), now: T0 });
    expect(ev.status).toBeUndefined();
    expect(ev.ready).toBe(false);
    expect(ev.webhookPath).toBe('/hook/previous');
    expect(ev.notReadyReason).toMatch(/^Suspended/);
    // Suspended before its first reconcile: no path in status, so nothing is served (404).
    expect(evaluateReceiver({ object: receiver({ spec: { suspend: true } }), token: found('my-token'), now: T0 }).webhookPath).toBeUndefined();
  });

  test('a terminal problem keeps the path in status (503 there); a Receiver invalid from its first reconcile has none (404)', () => {
    const problem = { reason: 'InvalidCELExpression' as const, detail: 'invalid resourceFilter expression: failed to create CEL program: error parsing regexp: invalid escape sequence: `\\1`' };
    const fresh = evaluateReceiver({ object: receiver(), token: found('my-token'), problem, now: T0 });
    expect(fresh.webhookPath).toBeUndefined();
    expect(fresh.status?.webhookPath).toBeUndefined();
    const ready = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 }).status!;
    const edited = evaluateReceiver({ object: receiver({ status: ready, generation: 4 }), token: found('my-token'), problem, now: T1 });
    expect(edited.webhookPath).toBe(MY_TOKEN_PATH);
    expect(edited.status?.webhookPath).toBe(MY_TOKEN_PATH);
    expect(edited.ready).toBe(false);
  });

  test('lastHandledReconcileAt follows the reconcile annotation; unknown conditions are kept', () => {
    const foreign = { type: 'Healthy', status: 'True' as const, lastTransitionTime: '2020-01-01T00:00:00Z', reason: 'X', message: 'kept' };
    const ev = evaluateReceiver({
      object: receiver({ annotations: { 'reconcile.fluxcd.io/requestedAt': 'now-1' }, status: { conditions: [foreign] } }),
      token: found('my-token'),
      now: T0,
    });
    expect(ev.status?.lastHandledReconcileAt).toBe('now-1');
    expect(ev.status?.conditions?.map((c) => c.type)).toEqual(['Ready', 'Healthy']);
    expect(condition(ev.status, 'Healthy')).toEqual(foreign);
  });

  test('re-evaluating a written status gives an equal status (no write loop), even at a later time', () => {
    const first = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 }).status!;
    const again = evaluateReceiver({ object: receiver({ status: first }), token: found('my-token'), now: T1 }).status!;
    expect(statusEquals(first, again)).toBe(true);
    const failing = evaluateReceiver({ object: receiver({ status: first }), token: missing, now: T0 }).status!;
    const failingAgain = evaluateReceiver({ object: receiver({ status: failing }), token: missing, now: T1 }).status!;
    expect(statusEquals(failing, failingAgain)).toBe(true);
    expect(statusEquals(first, failing)).toBe(false);
  });

  test('token rotation changes the path, the Ready message and its transition time', () => {
    const first = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 }).status!;
    const rotated = evaluateReceiver({ object: receiver({ status: first }), token: found('rotated'), now: T1 });
    const expected = '/hook/' + createHash('sha256').update('rotated').update('my-receiver').update('default').digest('hex');
    expect(rotated.webhookPath).toBe(expected);
    expect(condition(rotated.status, 'Ready')).toMatchObject({ message: `Receiver initialized for path: ${expected}`, lastTransitionTime: '2026-11-24T02:30:00Z' });
    expect(statusEquals(first, rotated.status)).toBe(false);
  });

  test('a spec change (new generation) keeps the transition time and bumps observedGeneration', () => {
    const first = evaluateReceiver({ object: receiver(), token: found('my-token'), now: T0 }).status!;
    const next = evaluateReceiver({ object: receiver({ status: first, generation: 4 }), token: found('my-token'), now: T1 }).status!;
    expect(condition(next, 'Ready')).toMatchObject({ observedGeneration: 4, lastTransitionTime: '2026-11-24T01:00:00Z' });
    expect(next.observedGeneration).toBe(4);
  });
});

describe('statusEquals', () => {
  test('ignores condition order and treats absent observedGeneration as -1', () => {
    const a: ReceiverStatus = {
      conditions: [
        { type: 'Ready', status: 'False', lastTransitionTime: 't', reason: 'r', message: 'm' },
        { type: 'Reconciling', status: 'True', lastTransitionTime: 't', reason: 'r', message: 'm' },
      ],
    };
    expect(statusEquals(a, { ...a, conditions: [...a.conditions!].reverse(), observedGeneration: -1 })).toBe(true);
    expect(statusEquals(a, { ...a, webhookPath: '/hook/x' })).toBe(false);
  });
});
