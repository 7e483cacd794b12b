import type { z } from 'zod';
import { InvalidInputError } from './errors.ts';

/** Parses a verb's input with its schema; the first problem becomes an InvalidInputError naming the field. */
export function validateInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : 'input';
  throw new InvalidInputError(field, issue?.message ?? 'invalid');
}
