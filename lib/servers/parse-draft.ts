/** Validates a save or test body against the schema and turns zod's issues into field errors an admin can act on. */
import type { z } from 'zod';
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
  if (!result.success) throw new ValidationError(toFieldErrors(result.error.issues, id === 'onprem' ? onPremDraftFields : cloudDraftFields));
  return result.data;
}

function toFieldErrors(issues: z.core.$ZodIssue[], fields: Record<string, z.ZodType>): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, message: `"${key}" is not a setting of this server.` }));
    }
    const field = issue.path.map(String).join('.');
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      const title = fields[String(issue.path[0])]?.meta()?.title ?? field;
      return [{ field, message: `${title} is required.` }];
    }
    if (issue.code === 'invalid_type') {
      return [{ field, message: `${issue.message.startsWith('Invalid input') ? `Expected ${issue.expected}.` : issue.message}` }];
    }
    return [{ field, message: issue.message }];
  });
}
