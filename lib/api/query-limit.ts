/** The `limit` query parameter of the list routes (apps, reloads, audit): a whole number in range, else a 400 naming it. */
import { ValidationError } from '#lib/errors.ts';

export function limitParameter(value: string | undefined, limits: { default: number; max: number }): number {
  if (value === undefined || value === '') return limits.default;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max) {
    throw new ValidationError([{ field: 'limit', message: `limit must be a whole number from 1 to ${limits.max}.` }]);
  }
  return limit;
}
