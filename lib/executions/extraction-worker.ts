/**
 * The extraction worker: one SQS message = one extraction. Per message:
 *   1. take a slot of the server's cap; none free -> the message comes back in a few seconds (not a failure);
 *   2. claim the execution (`start`: a finished execution, a duplicate delivery or a live earlier attempt refuses, and
 *      only then is the execution read, to drop a redelivery of a finished one), counting the attempt;
 *   3. run the extraction against Qlik, release the slot (on every path), store the result, mark it succeeded.
 * With the Max parallel executions invocations all busy, every round trip outside Qlik delays the next extraction, so
 * the happy path makes four DynamoDB calls (take the slot, claim, release beside storing the result, succeed).
 * A failure that another attempt may fix comes back later with backoff, up to MAX_ATTEMPTS; then, or for a message
 * that cannot be processed at all, the message goes to the server's dead-letter queue with its error and the
 * execution shows `failed`. A failure no retry can fix (a missing permission, an unknown object) fails at once.
 */
import { asError } from '#lib/errors.ts';
import type { ExecutionQueue, ExecutionStore, ResultStore, SlotLeases } from '#lib/executions/execution-ports.ts';
import type { ExecutionError, ExecutionMessage, ExecutionRecord } from '#lib/executions/execution-types.ts';
import { ExtractionError, type ExtractorFactory, type LoadedServer } from '#lib/executions/extractor.ts';
import { logger } from '#lib/observability/logger.ts';
import { isServerId, type ServerId } from '#lib/servers/server-id.ts';

/** Attempts that reached Qlik (crashes included) before an extraction is dead-lettered. */
export const MAX_ATTEMPTS = 3;

export interface WorkerMessage {
  body: string;
  receiptHandle: string;
}

/** `done`: delete the message. `retry`: leave it in the queue (its visibility was already set). */
export type MessageOutcome = 'done' | 'retry';

export interface ExtractionWorkerDeps {
  executions: ExecutionStore;
  slots: SlotLeases;
  queue: ExecutionQueue;
  results: ResultStore;
  loadServer: (id: ServerId) => Promise<LoadedServer | null>;
  extractors: ExtractorFactory;
  /** How long one extraction may take (the function's timeout, less a margin to record the outcome). */
  timeoutMs: number;
  /** How long after the timeout a slot of a worker that never released it (a crash) stays taken. */
  slotMarginMs: number;
  /** When no slot is free, the message is visible again after about this long. */
  noSlotDelaySeconds?: number;
  /** Seconds before the n-th retry of a failed attempt: base * 2^(n-1). */
  retryBaseSeconds?: number;
  now?: () => Date;
}

export class ExtractionWorker {
  private readonly now: () => Date;

  constructor(private readonly deps: ExtractionWorkerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async process(message: WorkerMessage): Promise<MessageOutcome> {
    const parsed = parseMessage(message.body);
    if (!parsed) {
      // Not ours to interpret: without a server id there is no dead-letter queue to move it to.
      logger.error('Extraction message is not an execution; dropped', { bodyLength: message.body.length });
      return 'done';
    }
    // Every round trip before the slot is a gap in the server's Qlik work, so there is no read of the execution
    // here: `start` refuses a finished, unknown or live-elsewhere execution by its condition, and only then is it read.
    const server = await this.deps.loadServer(parsed.serverId);
    if (!server)
      return this.failWithoutSlot(parsed, {
        code: 'NOT-CONFIGURED',
        message: `The ${parsed.serverId} server is no longer configured.`,
      });

    const slot = await this.deps.slots.tryAcquire(
      parsed.serverId,
      this.deps.timeoutMs + this.deps.slotMarginMs,
      server.record.settings.maxParallelExecutions,
    );
    if (!slot) {
      // A redelivery of a finished execution is done with, slot or not; anything else waits for a slot.
      const latest = await this.deps.executions.get(parsed.executionId);
      return this.isSettled(parsed, latest) ? 'done' : this.comeBackSoon(parsed.serverId, message);
    }
    let attempt: ExecutionRecord | null = null;
    try {
      attempt = await this.deps.executions.start(
        parsed.executionId,
        Date.now() + this.deps.timeoutMs + this.deps.slotMarginMs,
        this.now().toISOString(),
      );
      if (!attempt) {
        // Finished (a redelivery), unknown, or another delivery's attempt is live: check again later rather than run
        // it twice.
        const [latest] = await Promise.all([this.deps.executions.get(parsed.executionId), slot.release()]);
        return this.isSettled(parsed, latest) ? 'done' : this.comeBackSoon(parsed.serverId, message);
      }
      if (attempt.attempts > MAX_ATTEMPTS) {
        await slot.release();
        return this.giveUp(
          parsed,
          attempt.attempts,
          attempt.error ?? {
            code: 'WORKER-CRASHED',
            message: 'The extraction stopped without an outcome several times.',
          },
        );
      }
      let releasing: Promise<void> | undefined;
      const output = await this.runExtraction(server, attempt).finally(() => {
        // The slot stands for work at Qlik: free it as soon as Qlik's part is done (storing the result needs none).
        releasing = slot.release();
        releasing.catch(() => undefined);
      });
      // Succeeded means stored and no longer counted as running, as the server view shows it.
      await Promise.all([this.deps.results.put(attempt.executionId, output), releasing]);
      const recorded = await this.deps.executions.succeed(
        attempt.executionId,
        attempt.attempts,
        { contentType: output.contentType, sizeBytes: output.bytes.length },
        this.now().toISOString(),
      );
      if (!recorded)
        logger.warn('A later attempt took over this extraction; its outcome stands', {
          executionId: attempt.executionId,
          attempt: attempt.attempts,
        });
      return 'done';
    } catch (thrown) {
      // A release that fails leaves the slot to expire (as a crash does); the failure at hand is the one to handle.
      await slot.release().catch((error: unknown) => logger.warn('Slot release failed', { error: asError(error) }));
      if (!attempt) throw thrown;
      return this.afterFailure(parsed, attempt, message, thrown);
    }
  }

  /** True when the message needs no more work: its execution finished, or never existed. */
  private isSettled(message: ExecutionMessage, latest: ExecutionRecord | null): boolean {
    if (!latest) {
      logger.warn('Extraction message for an unknown execution; dropped', { ...message });
      return true;
    }
    return latest.status === 'succeeded' || latest.status === 'failed';
  }

  private async runExtraction(server: LoadedServer, execution: ExecutionRecord) {
    const signal = AbortSignal.timeout(this.deps.timeoutMs);
    return (await this.deps.extractors(server)).extract(execution, signal);
  }

  private async afterFailure(
    message: ExecutionMessage,
    attempt: ExecutionRecord,
    raw: WorkerMessage,
    thrown: unknown,
  ): Promise<MessageOutcome> {
    const error =
      thrown instanceof ExtractionError
        ? thrown
        : new ExtractionError('EXTRACTION-FAILED', 'The extraction failed unexpectedly.', true, { cause: thrown });
    const reason: ExecutionError = { code: error.code, message: error.message };
    logger.warn('Extraction attempt failed', {
      ...message,
      attempt: attempt.attempts,
      code: error.code,
      retryable: error.retryable,
      error: asError(error.cause ?? error),
    });
    if (!error.retryable) {
      await this.deps.executions.fail(message.executionId, attempt.attempts, reason, this.now().toISOString());
      return 'done';
    }
    if (attempt.attempts >= MAX_ATTEMPTS) return this.giveUp(message, attempt.attempts, reason);
    await this.deps.executions.requeue(message.executionId, attempt.attempts, reason);
    await this.deps.queue.retryLater(
      message.serverId,
      raw.receiptHandle,
      (this.deps.retryBaseSeconds ?? 5) * 2 ** (attempt.attempts - 1),
    );
    return 'retry';
  }

  /** Poison: the dead-letter queue keeps the message with its error; the execution says it failed. */
  private async giveUp(message: ExecutionMessage, attempts: number, reason: ExecutionError): Promise<MessageOutcome> {
    await this.deps.queue.deadLetter(message, reason);
    await this.deps.executions.fail(message.executionId, attempts, reason, this.now().toISOString());
    logger.error('Extraction moved to the dead-letter queue', { ...message, attempts, code: reason.code });
    return 'done';
  }

  private async failWithoutSlot(message: ExecutionMessage, reason: ExecutionError): Promise<MessageOutcome> {
    const attempt = await this.deps.executions.start(
      message.executionId,
      Date.now() + 60_000,
      this.now().toISOString(),
    );
    if (attempt)
      await this.deps.executions.fail(message.executionId, attempt.attempts, reason, this.now().toISOString());
    return 'done';
  }

  private async comeBackSoon(serverId: ServerId, message: WorkerMessage): Promise<MessageOutcome> {
    const base = this.deps.noSlotDelaySeconds ?? 2;
    // Jitter spreads the returning messages so they do not all race for the next free slot at once.
    await this.deps.queue.retryLater(serverId, message.receiptHandle, base + Math.round(Math.random() * base));
    return 'retry';
  }
}

function parseMessage(body: string): ExecutionMessage | null {
  try {
    const value = JSON.parse(body) as Partial<ExecutionMessage>;
    if (typeof value.executionId === 'string' && isServerId(value.serverId))
      return { executionId: value.executionId, serverId: value.serverId };
  } catch {
    // fall through
  }
  return null;
}
