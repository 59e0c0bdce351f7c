import { RXDB_SCHEMAS } from '@anochat/schemas/rxdb/sync';
import fc from 'fast-check';
import { fillWithDefaultSettings, type RxJsonSchema } from 'rxdb';
import { getValidator as ajvValidator } from 'rxdb/plugins/validate-ajv';
import { describe, expect, it } from 'vitest';
import { failuresSchema, messageViewsSchema } from './local-schemas.ts';
import { validatorOf } from './schema-validation.ts';

type Property = {
  type?: string | string[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
};

/** Values that satisfy the patterns our schemas use, so that valid documents come up often. */
const PATTERNED = [
  '0b8f5c2e-3f1d-4c6e-9a7b-1c2d3e4f5a6b',
  '0b8f5c2e-3f1d-4c6e-9a7b-1c2d3e4f5a6b|7c9e6679-7425-40de-944b-e07fc1f90ae7',
  'AAAA',
  'QUJD',
  'AA==',
  '12345',
  '0',
];

/** Valid-looking and broken values for one property of a schema, around its limits. */
function valuesFor(property: Property): fc.Arbitrary<unknown> {
  const types = [property.type ?? []].flat();
  const options: fc.Arbitrary<unknown>[] = [fc.constantFrom(null, 7, 'x', true, {}, [])];
  if (types.includes('string')) {
    const max = Math.min(property.maxLength ?? 50, 200);
    options.push(
      fc.constantFrom(...PATTERNED),
      fc.string({ maxLength: max + 2 }),
      fc.constantFrom('', 'A'.repeat(Math.max(0, max - 1)), 'A'.repeat(max), 'A'.repeat(max + 1)),
      fc.constantFrom('0B8F5C2E-3F1D-4C6E-9A7B-1C2D3E4F5A6B', 'AAA', 'AB==', '01', '-1'),
    );
    if (property.enum) options.push(fc.constantFrom(...property.enum));
  }
  if (types.includes('integer') || types.includes('number')) {
    const min = property.minimum ?? -10;
    const max = property.maximum ?? 10;
    options.push(
      fc.integer({ min: Math.max(min - 2, -1e9), max: Math.min(max + 2, 1e9) }),
      fc.constantFrom(min, max, min - 1, max + 1, 0.5, 1000.01, 1000.001),
    );
  }
  if (types.includes('boolean')) options.push(fc.boolean());
  if (types.includes('object')) options.push(fc.constantFrom({}, { lwt: 1000 }, { lwt: 0 }));
  if (types.includes('null')) options.push(fc.constant(null));
  return fc.oneof(...options);
}

const CANDIDATES: unknown[] = [
  ...PATTERNED,
  'text',
  '1-abc',
  '2026-01-01T00:00:00.000Z',
  'unreadable',
  1000,
  1,
  0,
  true,
  null,
  { lwt: 1000 },
  {},
];

/** A document every property of which is valid, chosen by Ajv itself from the candidates. */
function validBase(schema: RxJsonSchema<unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, Property>;
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => {
      const check = ajvValidator(property as RxJsonSchema<unknown>);
      const pool = [...(property.enum ?? []), ...CANDIDATES];
      const value = pool.find((candidate) => check(candidate).length === 0);
      if (value === undefined) throw new Error(`no valid candidate for ${schema.title}.${name}`);
      return [name, value];
    }),
  );
}

/** A valid document with up to three fields replaced, removed or added. */
function documentsOf(schema: RxJsonSchema<unknown>): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties as Record<string, Property>;
  const names = Object.keys(properties);
  const base = validBase(schema);
  const change = fc.oneof(
    fc
      .constantFrom(...names)
      .chain((name) =>
        valuesFor(properties[name] as Property).map((value) => ({ name, value, remove: false })),
      ),
    fc.constantFrom(...names).map((name) => ({ name, value: undefined, remove: true })),
    fc.string({ maxLength: 5 }).map((name) => ({ name: `x${name}`, value: 1, remove: false })),
  );
  return fc.array(change, { maxLength: 3 }).map((changes) => {
    const document: Record<string, unknown> = { ...base };
    for (const { name, value, remove } of changes) {
      if (remove) delete document[name];
      else document[name] = value;
    }
    return document;
  });
}

const SCHEMAS = [
  ...Object.values(RXDB_SCHEMAS),
  messageViewsSchema,
  failuresSchema,
] as unknown as RxJsonSchema<unknown>[];

describe('local schema validation without eval', () => {
  for (const schema of SCHEMAS) {
    it(`${schema.title}: agrees with RxDB's Ajv validator on valid and broken documents`, () => {
      const filled = fillWithDefaultSettings(schema) as RxJsonSchema<unknown>;
      const ours = validatorOf(filled);
      const ajv = ajvValidator(filled);
      const verdicts = { valid: 0, invalid: 0 };
      fc.assert(
        fc.property(documentsOf(filled), (document) => {
          const expected = ajv(document).length === 0;
          expect(ours(document).length === 0).toBe(expected);
          verdicts[expected ? 'valid' : 'invalid'] += 1;
        }),
        { numRuns: 400 },
      );
      // Both verdicts came up: the comparison covered accepted documents too.
      expect(verdicts.valid).toBeGreaterThan(0);
      expect(verdicts.invalid).toBeGreaterThan(0);
    });
  }
});
