/**
 * What of a failure may reach the log. PostgreSQL's errors carry the offending row in `detail`
 * ("Failing row contains (..., $argon2id$...)") and input values in `message` ("invalid input
 * syntax for type uuid: ..."), so a database error is logged by its SQLSTATE and the names of the
 * objects involved only. Other errors keep their type, message, code and stack; nothing else of
 * theirs is copied, since properties attached by libraries may hold request data.
 */

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Names, never values: which constraint, table or column failed. */
const DATABASE_ERROR_FIELDS = ['code', 'constraint', 'table', 'column', 'dataType', 'routine'];

type Serialized = Record<string, unknown>;

function isDatabaseError(error: Record<string, unknown>): boolean {
  return (
    typeof error.code === 'string' &&
    SQLSTATE.test(error.code) &&
    (typeof error.severity === 'string' || typeof error.routine === 'string')
  );
}

export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const value = error as Record<string, unknown>;
  const serialized: Serialized = { type: (error as object).constructor?.name ?? 'Object' };
  if (isDatabaseError(value)) {
    serialized.type = 'DatabaseError';
    for (const field of DATABASE_ERROR_FIELDS) {
      if (typeof value[field] === 'string') serialized[field] = value[field];
    }
  } else {
    if (typeof value.message === 'string') serialized.message = value.message;
    if (typeof value.code === 'string' || typeof value.code === 'number') {
      serialized.code = value.code;
    }
    if (typeof value.stack === 'string') serialized.stack = value.stack;
  }
  if (value.cause !== undefined && depth < 5) {
    serialized.cause = serializeError(value.cause, depth + 1);
  }
  return serialized;
}
