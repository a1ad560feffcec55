/**
 * Extractions: the unit of Qlik work a KPImailer report needs (one object as an image, one sheet as a PDF, one
 * object's data). The request's schema is execution-request.ts.
 */
import type { ServerId } from '#lib/servers/server-settings.ts';

export const EXTRACTION_KINDS = ['image', 'pdf', 'data'] as const;
export type ExtractionKind = (typeof EXTRACTION_KINDS)[number];
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One field's selection, applied before extracting (validated by execution-request.ts). */
export interface Selection {
  field: string;
  values: string[];
}

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
