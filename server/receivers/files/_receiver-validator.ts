// The ajv validator of the Receiver schema. Here it is compiled when first needed (tests,
// ts-node); server/build.mjs replaces this module in the bundle by the same validator generated at
// build time (ajv's standalone code, from compileReceiverValidator), so the bundled server neither
// loads ajv's compiler nor compiles the schema at start-up (docs/benchmarks.md, "Memory at rest").
import Ajv, { _, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Compiles `schema`; `standalone` keeps the generated code, for ajv's standalone export at build time. */
export function compileReceiverValidator(schema: object, standalone = false): { ajv: Ajv; validate: ValidateFunction } {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    logger: false,
    // The generated code then takes the format checks from ajv-formats' module, which the bundle includes.
    ...(standalone ? { code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } } : {}),
  });
  addFormats(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  return { ajv, validate: ajv.compile(schema) };
}

/** The validator of `schema` (the Receiver schema with the extension types). */
export function receiverValidator(schema: object): ValidateFunction {
  return compileReceiverValidator(schema).validate;
}
