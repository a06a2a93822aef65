// The ajv validator of the CDEvents envelope, compiled on first use (tests, ts-node). Like
// receivers/files/_receiver-validator.ts, server/build.mjs bundles it as code generated at build
// time instead, so the bundled server loads no ajv compiler.
import Ajv, { _, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Compiles `schema`; `standalone` keeps the generated code, for ajv's standalone export at build time. */
export function compileEnvelopeValidator(schema: object, standalone = false): { ajv: Ajv; validate: ValidateFunction } {
  const ajv = new Ajv({
    allErrors: false,
    strict: true,
    ...(standalone ? { code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } } : {}),
  });
  addFormats(ajv);
  return { ajv, validate: ajv.compile(schema) };
}

let compiled: ValidateFunction | undefined;

/** The validator of `schema` (the envelope schema), compiled once. */
export function envelopeValidator(schema: object): ValidateFunction {
  compiled ??= compileEnvelopeValidator(schema).validate;
  return compiled;
}
