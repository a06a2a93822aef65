// CDEvents validation for cdevents receivers. Flux uses the CDEvents Go SDK v0.5.0 (spec v0.4):
// the `context.type` must be a known CDEvents type whose major version matches the SDK's (or a
// custom `dev.cdeventsx.*` type), and the event must satisfy the schema. There is no npm CDEvents
// package, so the shape checked here is the spec's common envelope (see docs/compatibility.md).
import { envelopeValidator } from './_cdevents-validator';

/** CDEvents spec v0.4 event types (subject → predicates) with the major version of each. */
const KNOWN_EVENTS: Readonly<Record<string, readonly string[]>> = {
  pipelineRun: ['queued', 'started', 'finished'],
  taskRun: ['started', 'finished'],
  change: ['created', 'updated', 'reviewed', 'merged', 'abandoned'],
  repository: ['created', 'modified', 'deleted'],
  branch: ['created', 'deleted'],
  build: ['queued', 'started', 'finished'],
  artifact: ['packaged', 'signed', 'published', 'downloaded', 'deleted'],
  environment: ['created', 'modified', 'deleted'],
  service: ['deployed', 'upgraded', 'rolledback', 'removed', 'published'],
  incident: ['detected', 'reported', 'resolved'],
  ticket: ['created', 'updated', 'closed'],
  testCaseRun: ['queued', 'started', 'finished', 'skipped'],
  testSuiteRun: ['queued', 'started', 'finished'],
  testOutput: ['published'],
};
/** Every spec v0.4 event type is at major version 0. */
const KNOWN_MAJOR_VERSION = 0;

const EVENT_TYPE = /^dev\.(cdevents|cdeventsx)\.([A-Za-z0-9-]+)\.([A-Za-z]+)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['context', 'subject'],
  properties: {
    context: {
      type: 'object',
      required: ['id', 'source', 'type', 'timestamp'],
      properties: {
        specversion: { type: 'string' },
        version: { type: 'string' },
        id: { type: 'string', minLength: 1 },
        source: { type: 'string', minLength: 1, format: 'uri-reference' },
        type: { type: 'string', pattern: EVENT_TYPE.source },
        timestamp: { type: 'string', format: 'date-time' },
        schemaUri: { type: 'string', format: 'uri' },
        chainId: { type: 'string' },
        links: { type: 'array' },
      },
    },
    subject: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', minLength: 1 },
        source: { type: 'string', format: 'uri-reference' },
        type: { type: 'string' },
        content: { type: 'object' },
      },
    },
    customDataContentType: { type: 'string' },
  },
} as const;

export type CDEventCheck = { readonly ok: true; readonly type: string } | { readonly ok: false; readonly reason: string };

/** Validates a parsed CDEvent: envelope schema, then known type and compatible major version. */
export function validateCDEvent(event: unknown): CDEventCheck {
  const validate = envelopeValidator(ENVELOPE_SCHEMA);
  if (!validate(event)) {
    const error = validate.errors?.[0];
    return { ok: false, reason: `${error?.instancePath || '/'} ${error?.message ?? 'is invalid'}` };
  }
  const type = (event as { context: { type: string } }).context.type;
  const match = EVENT_TYPE.exec(type);
  if (!match) return { ok: false, reason: 'unparsable context.type' };
  const [, family, subject, predicate, major] = match;
  if (family === 'cdeventsx') return { ok: true, type };
  // hasOwn: the subject is attacker text and may be `constructor` or `toString`.
  if (!Object.hasOwn(KNOWN_EVENTS, subject) || !KNOWN_EVENTS[subject].includes(predicate)) {
    return { ok: false, reason: `unknown CDEvent type ${JSON.stringify(type)}` };
  }
  if (Number(major) !== KNOWN_MAJOR_VERSION) {
    return { ok: false, reason: `CDEvent type ${JSON.stringify(type)} has an incompatible major version` };
  }
  return { ok: true, type };
}
