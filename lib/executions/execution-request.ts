/**
 * The body of `POST /api/servers/{id}/executions`: validates it and generates its OpenAPI schema. Its own module, so
 * the settings API loads zod's full API only when an extraction is submitted (execution-service.ts imports it then).
 */
import * as z from 'zod';
import { EXTRACTION_KINDS, type Selection } from '#lib/executions/execution-types.ts';

/** Qlik ids are GUIDs on-premise and short ids (e.g. `QbtwdFg`) for objects; neither has spaces or slashes. */
const qlikId = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, `The ${what} has only letters, digits, dots, colons, hyphens and underscores.`);

const selectionSchema = z.strictObject({
  field: z.string().trim().min(1, 'Name the field to select in.').max(500),
  values: z.array(z.string().max(1000)).min(1, 'Give at least one value to select.').max(10_000),
});

export const executionRequestSchema = z
  .strictObject({
    executionId: z.uuid('The executionId must be a UUID.').optional(),
    appId: qlikId('app ID'),
    kind: z.enum(EXTRACTION_KINDS, 'The kind is image, pdf or data.'),
    objectId: qlikId('object ID').optional(),
    sheetId: qlikId('sheet ID').optional(),
    selections: z
      .array(selectionSchema satisfies z.ZodType<Selection>)
      .max(125, 'At most 125 fields can be selected.')
      .optional(),
  })
  .superRefine((request, ctx) => {
    if (request.kind === 'pdf' && !request.sheetId)
      ctx.addIssue({ code: 'custom', path: ['sheetId'], message: 'A pdf extraction needs the sheetId.' });
    if (request.kind !== 'pdf' && !request.objectId) {
      ctx.addIssue({
        code: 'custom',
        path: ['objectId'],
        message: `An ${request.kind} extraction needs the objectId.`,
      });
    }
  })
  .meta({ id: 'ExecutionRequest', title: 'Extraction request' });
export type ExecutionRequest = z.infer<typeof executionRequestSchema>;
