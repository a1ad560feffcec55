/** Validates a save or test body against the schema and turns zod's issues into field errors an admin can act on. */
import * as z from 'zod/mini';
import { ValidationError, type FieldError } from '#lib/errors.ts';
import {
  cloudDraftFields,
  onPremDraftFields,
  saveSchemas,
  testSchemas,
  type CloudDraft,
  type OnPremDraft,
  type ServerId,
} from '#lib/servers/server-settings.ts';

export function parseDraft(id: 'onprem', body: unknown, mode: 'save' | 'test'): OnPremDraft;
export function parseDraft(id: 'cloud', body: unknown, mode: 'save' | 'test'): CloudDraft;
export function parseDraft(id: ServerId, body: unknown, mode: 'save' | 'test'): OnPremDraft & CloudDraft;
export function parseDraft(id: ServerId, body: unknown, mode: 'save' | 'test'): OnPremDraft | CloudDraft {
  const schema = (mode === 'save' ? saveSchemas : testSchemas)[id];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ field: '', message: 'Send the settings as a JSON object.' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ValidationError(
      toFieldErrors(result.error.issues, id === 'onprem' ? onPremDraftFields : cloudDraftFields, body),
    );
  return result.data;
}

/** The value at `path` in the body as sent (zod's issues do not carry it). */
function valueAt(body: object, path: PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
};

function toFieldErrors(
  issues: z.core.$ZodIssue[],
  fields: Record<string, z.core.$ZodType>,
  body: object,
): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, message: `"${key}" is not a setting of this server.` }));
    }
    const field = issue.path.map(String).join('.');
    if (issue.code === 'invalid_type') {
      const schema = issue.path.length === 1 ? fields[String(issue.path[0])] : undefined;
      const title = (schema && z.globalRegistry.get(schema)?.title) ?? field;
      // Absent is "required"; present with the wrong type says which type, so a client bug is not read as a blank field.
      if (valueAt(body, issue.path) === undefined) return [{ field, message: `${title} is required.` }];
      const nullable = schema !== undefined && z.safeParse(schema, null).success;
      return [
        {
          field,
          message: `${title} must be ${TYPE_NAMES[issue.expected] ?? issue.expected}${nullable ? ' or null' : ''}.`,
        },
      ];
    }
    return [{ field, message: issue.message }];
  });
}
