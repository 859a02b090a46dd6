import Ajv, { type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Bodies are validated strictly (a number where a string belongs is a 400, not silently "42");
 * query strings and path params arrive as text and are coerced to the declared types.
 */
export function registerValidators(app: FastifyInstance, sharedSchemas: AnySchema[]): void {
  const make = (coerceTypes: boolean | 'array') => {
    const ajv = new Ajv.default({
      coerceTypes,
      useDefaults: true,
      removeAdditional: false,
      allErrors: false,
      strict: false,
    });
    addFormats.default(ajv);
    for (const s of sharedSchemas) ajv.addSchema(s);
    return ajv;
  };
  const strict = make(false);
  const coercing = make('array');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );
}
