import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeReloadPublisher, ReloadPublishError } from '#lib/reloads/eventbridge-publisher.ts';
import type { ReloadFinishedEvent } from '#lib/reloads/reload-event.ts';

const eventBridge = mockClient(EventBridgeClient);
const event: ReloadFinishedEvent = {
  serverId: 'onprem',
  appId: 'app-1',
  appName: 'Sales',
  reloadId: 'exec-1',
  status: 'succeeded',
  startedAt: '2026-03-01T09:59:00.000Z',
  finishedAt: '2026-03-01T10:00:00.000Z',
  source: 'poll',
};

describe('EventBridge reload publisher', () => {
  beforeEach(() => eventBridge.reset());

  it('puts one entry with the detail-type subscribers match on and the reload as detail', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });

    // Act
    await new EventBridgeReloadPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'kpimailer-reloads').publish(
      event,
    );

    // Assess
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'kpimailer-reloads',
          Source: 'kpimailer.qlik',
          DetailType: 'Qlik app reload finished',
          Detail: JSON.stringify(event),
          Time: new Date(event.finishedAt),
        },
      ],
    });
  });

  it('fails when EventBridge refuses the entry inside a 200 answer', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const publishing = new EventBridgeReloadPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus').publish(
      event,
    );
    await expect(publishing).rejects.toBeInstanceOf(ReloadPublishError);
    await expect(publishing).rejects.toThrow(/InternalFailure: try again/);
  });
});
