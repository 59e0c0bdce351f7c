import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

/** Checks the JSON body against a shared schema; any mismatch is one 400 naming every bad field. */
export function parseBody<Schema extends z.ZodType>(
  schema: Schema,
  request: Request,
): z.output<Schema> {
  if (request.body === undefined) {
    throw new AppError(
      'VALIDATION_FAILED',
      'expected a JSON body (Content-Type: application/json)',
    );
  }
  const parsed = schema.safeParse(request.body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? 'body' : issue.path.join('.');
    return `${field}: ${issue.message}`;
  });
  throw new AppError('VALIDATION_FAILED', problems.join('; '));
}
