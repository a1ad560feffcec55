/**
 * Extractions: the unit of Qlik work a KPImailer report needs (one object as an image, one sheet as a PDF, one
 * object's data). The request schema validates `POST /api/servers/{id}/executions` and generates its OpenAPI schema.
 */
import * as z from 'zod';
import type { ServerId } from '#lib/servers/server-settings.ts';

export const EXTRACTION_KINDS = ['image', 'pdf', 'data'] as const;
export type ExtractionKind = (typeof EXTRACTION_KINDS)[number];
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Qlik ids are GUIDs on-premise and short ids (e.g. `QbtwdFg`) for objects; neither has spaces or slashes. */
const qlikId = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, `The ${what} has only letters, digits, dots, colons, hyphens and underscores.`);

export const selectionSchema = z.strictObject({
  field: z.string().trim().min(1, 'Name the field to select in.').max(500),
  values: z.array(z.string().max(1000)).min(1, 'Give at least one value to select.').max(10_000),
});
export type Selection = z.infer<typeof selectionSchema>;

export const executionRequestSchema = z
  .strictObject({
    executionId: z.uuid('The executionId must be a UUID.').optional(),
    appId: qlikId('app ID'),
    kind: z.enum(EXTRACTION_KINDS, 'The kind is image, pdf or data.'),
    objectId: qlikId('object ID').optional(),
    sheetId: qlikId('sheet ID').optional(),
    selections: z.array(selectionSchema).max(125, 'At most 125 fields can be selected.').optional(),
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

export interface ExecutionError {
  code: string;
  message: string;
}

export interface ExecutionResultInfo {
  contentType: string;
  sizeBytes: number;
}

/** The stored execution (one DynamoDB item per execution id). */
export interface ExecutionRecord {
  executionId: string;
  serverId: ServerId;
  appId: string;
  kind: ExtractionKind;
  objectId: string | null;
  sheetId: string | null;
  selections: Selection[];
  status: ExecutionStatus;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  error: ExecutionError | null;
  result: ExecutionResultInfo | null;
}

/** The contract's view of an execution. */
export type ExecutionView = Omit<ExecutionRecord, 'selections'>;

export function toExecutionView(record: ExecutionRecord): ExecutionView {
  return {
    executionId: record.executionId,
    serverId: record.serverId,
    appId: record.appId,
    kind: record.kind,
    objectId: record.objectId,
    sheetId: record.sheetId,
    status: record.status,
    queuedAt: record.queuedAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    attempts: record.attempts,
    error: record.error,
    result: record.result,
  };
}

/** The live state of a server's extractions, as `ServerView.executions` shows it. */
export interface ExecutionCounts {
  /** The cap in force. */
  limit: number;
  /** When that cap took effect; null until a save applied it. */
  appliedAt: string | null;
  running: number;
  queued: number;
}

/** The bytes an extraction produced. */
export interface ExtractionOutput {
  contentType: string;
  bytes: Uint8Array;
}

/** The SQS message body: only ids; everything else is read from the execution record (one source). */
export interface ExecutionMessage {
  executionId: string;
  serverId: ServerId;
}
