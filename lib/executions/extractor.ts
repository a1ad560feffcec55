/**
 * What the worker asks of a Qlik flavour: run one extraction and hand back its bytes. Qlik Cloud goes through the
 * Reports API (lib/qlik/cloud/report-export.ts), Qlik Sense Enterprise through the Engine API
 * (lib/qlik/onprem/engine-extraction.ts).
 */
import type { ExecutionRecord, ExtractionOutput } from '#lib/executions/execution-types.ts';
import type { ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';

export interface Extractor {
  extract(execution: ExecutionRecord, signal: AbortSignal): Promise<ExtractionOutput>;
}

export interface LoadedServer {
  record: ServerRecord;
  secret: ServerSecret;
  state: ServerState;
}

export type ExtractorFactory = (server: LoadedServer) => Extractor | Promise<Extractor>;

/**
 * A failed extraction, in words for the admin. `retryable` says whether another attempt may succeed (Qlik busy,
 * an app reload aborted it, a network blip) or not (a missing permission, an object that does not exist).
 */
export class ExtractionError extends Error {
  override readonly name = 'ExtractionError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
