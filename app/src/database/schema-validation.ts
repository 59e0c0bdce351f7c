import { type Schema, Validator } from '@cfworker/json-schema';
import { type RxJsonSchema, type RxValidationError, wrappedValidateStorageFactory } from 'rxdb';

/**
 * RxDB's schema validation of every local write, by an interpreting JSON-schema validator. RxDB's
 * own Ajv plugin compiles each schema with `new Function`, which the server's
 * Content-Security-Policy forbids (no 'unsafe-eval'); z-schema refuses the base64 pattern as a
 * possible ReDoS. This one walks the schema, so it needs neither; keywords it does not know (RxDB's
 * version, primaryKey, indexes) are ignored, as Ajv's RxDB plugin ignores them.
 */
export function validatorOf(schema: RxJsonSchema<unknown>) {
  const validator = new Validator(schema as unknown as Schema, '7', true);
  return (document: unknown): RxValidationError[] => {
    const result = validator.validate(document);
    return result.valid
      ? []
      : result.errors.map((error) => ({ field: error.instanceLocation, message: error.error }));
  };
}

export const wrappedValidateJsonSchemaStorage = wrappedValidateStorageFactory(
  validatorOf,
  'json-schema',
);
