/**
 * ReloadPublisher on Amazon EventBridge: one `PutEvents` entry per finished reload on the service's bus, with
 * detail-type `Qlik app reload finished`. The report and alert engines subscribe with rules on that detail-type.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { awsClientConfig } from '#lib/aws/clients.ts';
import {
  RELOAD_EVENT_SOURCE,
  RELOAD_FINISHED_DETAIL_TYPE,
  type ReloadFinishedEvent,
  type ReloadPublisher,
} from '#lib/reloads/reload-event.ts';

export class ReloadPublishError extends Error {
  override readonly name = 'ReloadPublishError';
}

export class EventBridgeReloadPublisher implements ReloadPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(event: ReloadFinishedEvent): Promise<void> {
    const output = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: RELOAD_EVENT_SOURCE,
            DetailType: RELOAD_FINISHED_DETAIL_TYPE,
            Detail: JSON.stringify(event),
            // The event's time is when the reload finished, not when we heard of it (a poll may lag a minute).
            Time: new Date(event.finishedAt),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when an entry was refused; the refusal is only in the entry's result.
    if (output.FailedEntryCount) {
      const failed = output.Entries?.[0];
      throw new ReloadPublishError(
        `EventBridge refused the reload event of app ${event.appId} (${failed?.ErrorCode ?? 'unknown error'}: ${failed?.ErrorMessage ?? 'no message'}).`,
      );
    }
  }
}

let client: EventBridgeClient | undefined;

/** One client per container, endpoint from `AWS_ENDPOINT_URL_EVENTBRIDGE` when set (as every SDK client). */
export function sharedEventBridgeClient(): EventBridgeClient {
  client ??= new EventBridgeClient(awsClientConfig());
  return client;
}
