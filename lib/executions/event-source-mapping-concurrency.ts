import { UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ConsumerConcurrency } from '#lib/executions/execution-ports.ts';
import type { ServerId } from '#lib/servers/server-id.ts';

/** The extraction worker's event source mappings, one per server queue (`EXTRACTION_MAPPING_IDS`). */
export class EventSourceMappingConcurrency implements ConsumerConcurrency {
  constructor(
    private readonly client: LambdaClient,
    private readonly mappingIds: Record<ServerId, string>,
  ) {}

  async update(serverId: ServerId, maximumConcurrency: number): Promise<void> {
    await this.client.send(
      new UpdateEventSourceMappingCommand({
        UUID: this.mappingIds[serverId],
        ScalingConfig: { MaximumConcurrency: maximumConcurrency },
      }),
    );
  }
}
