/**
 * Ports of the executions domain. Adapters: DynamoDB (executions, slot leases), SQS (queues), S3 or a local folder
 * (results), Lambda (event source mappings). The local runtime runs the same DynamoDB and SQS adapters against
 * local endpoints.
 */
import type {
  ExecutionError,
  ExecutionMessage,
  ExecutionRecord,
  ExecutionResultInfo,
  ExtractionOutput,
} from '#lib/executions/execution-types.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export interface ExecutionStore {
  /** Creates the record; false when one with this id exists already (the idempotency key was used before). */
  create(record: ExecutionRecord): Promise<boolean>;
  get(executionId: string): Promise<ExecutionRecord | null>;
  /** Removes a record whose message could not be queued, so a failed submit leaves nothing behind. */
  remove(executionId: string): Promise<void>;
  /**
   * Starts an attempt: `running`, attempts + 1, and a claim until `claimUntilMs`. Null when the execution is finished
   * or another attempt's claim is still live (a duplicate delivery), so Qlik never sees the same execution twice.
   */
  start(executionId: string, claimUntilMs: number, at: string): Promise<ExecutionRecord | null>;
  /** Records success for exactly this attempt; false when a later attempt took over (the earlier one was presumed dead). */
  succeed(executionId: string, attempt: number, result: ExecutionResultInfo, at: string): Promise<boolean>;
  fail(executionId: string, attempt: number, error: ExecutionError, at: string): Promise<boolean>;
  /** Back to `queued` for a later attempt, keeping the last error for the admin to see. */
  requeue(executionId: string, attempt: number, error: ExecutionError): Promise<void>;
  /** How many of a server's executions wait to start. */
  countQueued(serverId: ServerId): Promise<number>;
}

export interface SlotLease {
  release(): Promise<void>;
}

export interface SlotState {
  limit: number | null;
  appliedAt: string | null;
  running: number;
}

/**
 * The exact per-server cap: at most `limit` live slots per server. `tryAcquire` takes one only while fewer are held;
 * a slot expires on its own after `ttlMs`, so a crashed worker gives its slot back.
 */
export interface SlotLeases {
  tryAcquire(serverId: ServerId, ttlMs: number, fallbackLimit: number): Promise<SlotLease | null>;
  /** Writes the cap in force (effective for the next slot taken) and when it took effect. */
  setLimit(serverId: ServerId, limit: number, at: string): Promise<void>;
  state(serverId: ServerId): Promise<SlotState>;
}

export interface ExecutionQueue {
  send(message: ExecutionMessage): Promise<void>;
  /** Hides a received message for `seconds`, after which it is delivered again. */
  retryLater(serverId: ServerId, receiptHandle: string, seconds: number): Promise<void>;
  /** Moves a message the worker cannot process to the server's dead-letter queue, with the reason as attributes. */
  deadLetter(message: ExecutionMessage, error: ExecutionError): Promise<void>;
}

export interface ResultStore {
  put(executionId: string, output: ExtractionOutput): Promise<void>;
  get(executionId: string): Promise<ExtractionOutput | null>;
}

/** The consumer side of Max parallel executions: the event source mapping's `MaximumConcurrency`. */
export interface ConsumerConcurrency {
  update(serverId: ServerId, maximumConcurrency: number): Promise<void>;
}
