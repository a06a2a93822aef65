// Validates a Receiver document the way the API server would: the CRD's openAPIV3Schema (ajv)
// and its `x-kubernetes-validations` CEL rules. server/build.mjs inlines the schema into the
// bundle, and the ajv validator precompiled (_receiver-validator.ts); tests and `ts-node` read the
// schema from the vendored crds/ (or $FLUX_WEBHOOKS_CRD_DIR).
import * as fs from 'fs';
import * as path from 'path';
import { evaluate } from '@marcbachmann/cel-js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { receiverValidator } from './_receiver-validator';
import { withExtensionTypes } from '../extension-types';

export const RECEIVER_CRD_FILE = 'notification.toolkit.fluxcd.io_receivers.yaml';

/** One problem in a document: a JSON path (`spec.resources[0].kind`) and what is wrong there. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

interface Schema {
  readonly 'type'?: string;
  readonly 'properties'?: Record<string, Schema>;
  readonly 'items'?: Schema;
  readonly 'additionalProperties'?: Schema | boolean;
  readonly 'x-kubernetes-validations'?: readonly { readonly rule: string; readonly message?: string }[];
}

let validator: { schema: Schema; validate: ValidateFunction } | undefined;

/** The Receiver v1 openAPIV3Schema: inlined at bundle time, else read from the CRD directory. */
export function receiverSchema(): Schema {
  const inlined = process.env.FLUX_WEBHOOKS_RECEIVER_SCHEMA;
  if (inlined) return JSON.parse(inlined) as Schema;
  const dir = process.env.FLUX_WEBHOOKS_CRD_DIR || path.join(__dirname, '..', '..', '..', 'crds');
  const file = path.join(dir, RECEIVER_CRD_FILE);
  const crd = parseYaml(fs.readFileSync(file, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  if (!v1) throw new Error(`${file} has no v1 version`);
  return v1.schema.openAPIV3Schema;
}

function compiled(): { schema: Schema; validate: ValidateFunction } {
  if (!validator) {
    // Files mode also serves the extension types (gitea, azure-devops, standard-webhooks).
    const schema = withExtensionTypes(receiverSchema());
    validator = { schema, validate: receiverValidator(schema) };
  }
  return validator;
}

/** Schema and CEL-rule problems of `doc` (a parsed Receiver), in document order. */
export function checkReceiverSchema(doc: unknown): SchemaProblem[] {
  const { schema, validate } = compiled();
  const problems: SchemaProblem[] = [];
  if (!validate(doc)) {
    for (const err of validate.errors ?? []) problems.push(schemaProblem(err));
  }
  if (problems.length === 0) checkRules(schema, doc, '', problems);
  return problems;
}

function schemaProblem(err: ErrorObject): SchemaProblem {
  let at = jsonPath(err.instancePath);
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    at = at ? `${at}.${missing}` : missing;
    message = 'Required value';
  } else if (err.keyword === 'enum') {
    message = `${message}: ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (err.keyword !== 'required' && err.data !== undefined) message = `${short(err.data)} ${message}`;
  return { path: at || '<root>', message };
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `/spec/resources/0/kind` → `spec.resources[0].kind`. */
function jsonPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** Evaluates every x-kubernetes-validations rule where the document has a value, like the API server. */
function checkRules(schema: Schema, value: unknown, at: string, problems: SchemaProblem[]): void {
  if (value === undefined || value === null) return;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    let ok: unknown;
    try {
      ok = evaluate(rule.rule, { self: value });
    } catch (err) {
      ok = false;
      problems.push({ path: at || '<root>', message: `rule ${rule.rule} failed to evaluate: ${(err as Error).message}` });
      continue;
    }
    if (ok !== true) problems.push({ path: at || '<root>', message: rule.message ?? `failed rule: ${rule.rule}` });
  }
  if (schema.properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      checkRules(child, (value as Record<string, unknown>)[key], at ? `${at}.${key}` : key, problems);
    }
  }
  if (schema.items && Array.isArray(value)) {
    value.forEach((item, i) => checkRules(schema.items!, item, `${at}[${i}]`, problems));
  }
}
