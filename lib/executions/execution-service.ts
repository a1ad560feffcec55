/**
 * Submitting and reading extractions. A submit writes the execution record first (a conditional put on the
 * execution id, which is also the idempotency key), then queues its message; if queueing fails the record is removed,
 * so a failed submit leaves nothing behind and may simply be repeated with the same id.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#lib/errors.ts';
import type { ExecutionQueue, ExecutionStore, ResultStore, SlotLeases } from '#lib/executions/execution-ports.ts';
import type {
  ExecutionCounts,
  ExecutionRecord,
  ExtractionKind,
  ExtractionOutput,
} from '#lib/executions/execution-types.ts';
import type { ServerRecord } from '#lib/servers/server-record.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** An extraction this server type cannot do yet (answered 422). */
export class UnsupportedExtractionError extends UnprocessableError {
  override readonly name = 'UnsupportedExtractionError';
}

/**
 * What each server type can extract. On-premise data goes through the Engine API (lib/qlik/onprem/engine-extraction.ts);
 * on-premise images and PDFs need a headless browser through the kpimailer proxy: a later issue.
 */
export const SUPPORTED_KINDS: Record<ServerId, readonly ExtractionKind[]> = {
  cloud: ['image', 'pdf', 'data'],
  onprem: ['data'],
};

export interface ExecutionServiceDeps {
  executions: ExecutionStore;
  queue: ExecutionQueue;
  results: ResultStore;
  slots: SlotLeases;
  loadServer: (id: ServerId) => Promise<ServerRecord | null>;
  now?: () => Date;
}

export class ExecutionService {
  private readonly now: () => Date;

  constructor(private readonly deps: ExecutionServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Queues an extraction; `created` is false when the execution id was submitted before (nothing new runs). */
  async submit(serverId: ServerId, body: unknown): Promise<{ record: ExecutionRecord; created: boolean }> {
    // zod's full API loads with the first submit, not with every cold start of the settings API.
    const { executionRequestSchema } = await import('#lib/executions/execution-request.ts');
    const parsed = executionRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message })),
      );
    }
    const request = parsed.data;
    if (request.executionId) {
      const existing = await this.deps.executions.get(request.executionId);
      if (existing) return this.sameExecution(existing, serverId);
    }
    const server = await this.deps.loadServer(serverId);
    if (!server)
      throw new ConflictError(
        `The ${serverId} server is not configured yet; save its settings before submitting extractions.`,
      );
    if (!SUPPORTED_KINDS[serverId].includes(request.kind)) {
      throw new UnsupportedExtractionError(
        `Qlik Sense Enterprise ${request.kind} extractions are not available yet: they need a headless browser through the kpimailer virtual proxy (a later release). Data extractions are available.`,
      );
    }
    const record: ExecutionRecord = {
      executionId: request.executionId ?? randomUUID(),
      serverId,
      appId: request.appId,
      kind: request.kind,
      objectId: request.objectId ?? null,
      sheetId: request.sheetId ?? null,
      selections: request.selections ?? [],
      status: 'queued',
      queuedAt: this.now().toISOString(),
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      error: null,
      result: null,
    };
    if (!(await this.deps.executions.create(record))) {
      // A concurrent submit with the same id won the conditional put.
      const existing = await this.deps.executions.get(record.executionId);
      if (existing) return this.sameExecution(existing, serverId);
    }
    try {
      await this.deps.queue.send({ executionId: record.executionId, serverId });
    } catch (error) {
      await this.deps.executions.remove(record.executionId);
      throw error;
    }
    return { record, created: true };
  }

  async get(executionId: string): Promise<ExecutionRecord> {
    const record = isUuid(executionId) ? await this.deps.executions.get(executionId) : null;
    if (!record) throw new NotFoundError(`There is no execution "${executionId}".`);
    return record;
  }

  async result(executionId: string): Promise<ExtractionOutput> {
    const record = await this.get(executionId);
    if (record.status !== 'succeeded')
      throw new ConflictError(`Execution ${executionId} is ${record.status}; its result exists once it has succeeded.`);
    const output = await this.deps.results.get(executionId);
    if (!output) throw new NotFoundError(`The result of execution ${executionId} has expired.`);
    return output;
  }

  /** The cap in force and the live counts, for `ServerView.executions`. */
  async counts(serverId: ServerId, configuredLimit: number): Promise<ExecutionCounts> {
    const [slots, queued] = await Promise.all([
      this.deps.slots.state(serverId),
      this.deps.executions.countQueued(serverId),
    ]);
    return { limit: slots.limit ?? configuredLimit, appliedAt: slots.appliedAt, running: slots.running, queued };
  }

  private sameExecution(existing: ExecutionRecord, serverId: ServerId): { record: ExecutionRecord; created: boolean } {
    if (existing.serverId !== serverId) {
      throw new ValidationError([
        {
          field: 'executionId',
          message: `This executionId belongs to an extraction on the ${existing.serverId} server; use a new one.`,
        },
      ]);
    }
    return { record: existing, created: false };
  }
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
