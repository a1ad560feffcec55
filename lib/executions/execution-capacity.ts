/**
 * Applying a saved Max parallel executions. Two layers, because neither alone is exact and fast:
 * 1. the slot lease's `limit`: the exact cap, read by the next worker that takes a slot (effective at once);
 * 2. the event source mapping's `ScalingConfig.MaximumConcurrency` = max(2, N): it stops Lambda from invoking more
 *    workers than can hold a slot (which would only bounce messages), but it cannot express 1 and AWS documents no
 *    time for a change to apply, so it is never what the cap relies on.
 * Lowering the cap never aborts running extractions; they finish and no new one starts until fewer than N run.
 */
import type { ConsumerConcurrency, SlotLeases } from '#lib/executions/execution-ports.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';
import type { ExecutionCapacity } from '#lib/servers/server-service.ts';

/** The smallest `MaximumConcurrency` an SQS event source mapping accepts. */
export const MIN_MAPPING_CONCURRENCY = 2;

export const mappingConcurrencyFor = (limit: number) => Math.max(MIN_MAPPING_CONCURRENCY, limit);

export class SlotLimitCapacity implements ExecutionCapacity {
  constructor(
    private readonly slots: SlotLeases,
    private readonly consumers: ConsumerConcurrency,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(id: ServerId, maxParallelExecutions: number): Promise<void> {
    const current = await this.slots.state(id);
    // An unchanged cap keeps its appliedAt: the view says when the value in force took effect.
    if (current.limit !== maxParallelExecutions)
      await this.slots.setLimit(id, maxParallelExecutions, this.now().toISOString());
    await this.consumers.update(id, mappingConcurrencyFor(maxParallelExecutions));
  }
}

/**
 * Locally the poller follows the slot item's limit by itself (lib/local/sqs-event-source-poller.ts), so there is no
 * mapping to update.
 */
export const LOCAL_CONSUMERS: ConsumerConcurrency = { update: async () => undefined };
