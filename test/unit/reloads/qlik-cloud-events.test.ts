import { describe, expect, it } from 'vitest';
import { parseQlikCloudEvent } from '#lib/reloads/qlik-cloud-events.ts';

const RECEIVED = new Date('2026-03-01T10:00:09Z');
const TENANT = 'tenant-7f3a';

function reloadFinished(data: Record<string, unknown>, envelope: Record<string, unknown> = {}) {
  return {
    id: 'evt-1',
    specversion: '1.0',
    type: 'com.qlik.v1.reload.finished',
    source: 'com.qlik/reloads',
    time: '2026-03-01T10:00:05Z',
    tenantid: TENANT,
    data: {
      id: 'reload-1',
      appId: 'app-1',
      userId: 'u1',
      succeeded: true,
      status: 'SUCCEEDED',
      startTime: '2026-03-01T09:59:00Z',
      endTime: '2026-03-01T10:00:00Z',
      ...data,
    },
    ...envelope,
  };
}

const appReloadData = {
  name: 'Sales',
  status: 'ok',
  reloadId: 'reload-2',
  endTime: '2026-03-01T10:00:00Z',
  duration: 5321,
};

describe('Qlik Cloud reload event parsing', () => {
  describe('com.qlik.v1.reload.finished', () => {
    it('reads app id, reload id, times and status from data', () => {
      const parsed = parseQlikCloudEvent(reloadFinished({}), RECEIVED);
      expect(parsed).toEqual({
        kind: 'reload',
        eventId: 'evt-1',
        tenantId: TENANT,
        type: 'com.qlik.v1.reload.finished',
        time: '2026-03-01T10:00:05.000Z',
        observation: {
          serverId: 'cloud',
          appId: 'app-1',
          reloadId: 'reload-1',
          status: 'succeeded',
          startedAt: '2026-03-01T09:59:00.000Z',
          finishedAt: '2026-03-01T10:00:00.000Z',
          source: 'webhook',
        },
      });
    });

    it.each([
      ['FAILED', 'failed'],
      ['CANCELED', 'canceled'],
      ['EXCEEDED_LIMIT', 'failed'],
    ])('maps status %s to %s and keeps the error', (status, expected) => {
      const parsed = parseQlikCloudEvent(
        reloadFinished({
          status,
          succeeded: false,
          errorMessage: status === 'EXCEEDED_LIMIT' ? undefined : 'Table not found',
        }),
        RECEIVED,
      );
      expect(parsed.kind === 'reload' && parsed.observation.status).toBe(expected);
      expect(parsed.kind === 'reload' && parsed.observation.error).toMatch(
        status === 'EXCEEDED_LIMIT' ? /EXCEEDED_LIMIT/ : /Table not found/,
      );
    });

    it('falls back to the required `succeeded` flag when status is absent', () => {
      const parsed = parseQlikCloudEvent(reloadFinished({ status: undefined, succeeded: false }), RECEIVED);
      expect(parsed.kind === 'reload' && parsed.observation.status).toBe('failed');
    });

    it('uses the event time, then the receive time, when data has no end time', () => {
      const fromEvent = parseQlikCloudEvent(reloadFinished({ endTime: undefined }), RECEIVED);
      expect(fromEvent.kind === 'reload' && fromEvent.observation.finishedAt).toBe('2026-03-01T10:00:05.000Z');
      const fromReceipt = parseQlikCloudEvent(reloadFinished({ endTime: undefined }, { time: undefined }), RECEIVED);
      expect(fromReceipt.kind === 'reload' && fromReceipt.observation.finishedAt).toBe(RECEIVED.toISOString());
    });

    it('refuses an event without an app id or a status', () => {
      expect(parseQlikCloudEvent(reloadFinished({ appId: undefined }), RECEIVED)).toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining('data.appId'),
      });
      expect(parseQlikCloudEvent(reloadFinished({ status: 'WEIRD', succeeded: undefined }), RECEIVED)).toMatchObject({
        kind: 'invalid',
      });
    });
  });

  describe('com.qlik.v1.app.reload.finished', () => {
    const cloudEvent = {
      id: 'evt-2',
      specversion: '1.0',
      type: 'com.qlik.v1.app.reload.finished',
      source: 'com.qlik/engine',
      time: '2026-03-01T10:00:01Z',
      tenantid: TENANT,
      toplevelresourceid: 'app-2',
      data: appReloadData,
    };

    it('takes the app id from the envelope and the start from end time minus duration', () => {
      expect(parseQlikCloudEvent(cloudEvent, RECEIVED)).toEqual({
        kind: 'reload',
        eventId: 'evt-2',
        tenantId: TENANT,
        type: 'com.qlik.v1.app.reload.finished',
        time: '2026-03-01T10:00:01.000Z',
        observation: {
          serverId: 'cloud',
          appId: 'app-2',
          appName: 'Sales',
          reloadId: 'reload-2',
          status: 'succeeded',
          startedAt: '2026-03-01T09:59:54.679Z',
          finishedAt: '2026-03-01T10:00:00.000Z',
          source: 'webhook',
        },
      });
    });

    it('maps status error to failed with the engine errors', () => {
      const parsed = parseQlikCloudEvent(
        {
          ...cloudEvent,
          data: { ...appReloadData, status: 'error', errors: ['Field not found: X', { message: 'Script line 12' }] },
        },
        RECEIVED,
      );
      expect(parsed.kind === 'reload' && parsed.observation).toMatchObject({
        status: 'failed',
        error: 'Field not found: X; Script line 12',
      });
    });

    it('reads the legacy shape (eventType, eventId, extensions.topLevelResourceId, extensions.tenantId)', () => {
      const legacy = {
        cloudEventsVersion: '0.1',
        eventId: 'evt-3',
        eventType: 'com.qlik.v1.app.reload.finished',
        eventTypeVersion: '1.0.0',
        eventTime: '2026-03-01T10:00:01Z',
        source: 'com.qlik/engine',
        contentType: 'application/json',
        extensions: { tenantId: TENANT, topLevelResourceId: 'app-3', ownerId: 'u1', userId: 'u1' },
        data: { ...appReloadData, reloadId: 'reload-3' },
      };
      expect(parseQlikCloudEvent(legacy, RECEIVED)).toMatchObject({
        kind: 'reload',
        eventId: 'evt-3',
        tenantId: TENANT,
        observation: { appId: 'app-3', reloadId: 'reload-3', status: 'succeeded' },
      });
    });

    it('prefers the CloudEvents fields of a hybrid event', () => {
      const hybrid = {
        ...cloudEvent,
        eventId: 'legacy-id',
        eventType: 'com.qlik.v1.app.reload.finished',
        extensions: { tenantId: 'legacy-tenant', topLevelResourceId: 'legacy-app' },
      };
      expect(parseQlikCloudEvent(hybrid, RECEIVED)).toMatchObject({
        eventId: 'evt-2',
        tenantId: TENANT,
        observation: { appId: 'app-2' },
      });
    });

    it('refuses an event without toplevelresourceid', () => {
      const { toplevelresourceid: _app, ...rest } = cloudEvent;
      expect(parseQlikCloudEvent(rest, RECEIVED)).toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining('toplevelresourceid'),
      });
    });
  });

  it('reports other event types as unknown, with their id and tenant', () => {
    expect(
      parseQlikCloudEvent({ id: 'e9', type: 'com.qlik.v1.app.created', tenantid: TENANT, data: {} }, RECEIVED),
    ).toEqual({ kind: 'unknown', eventId: 'e9', tenantId: TENANT, type: 'com.qlik.v1.app.created', time: null });
    expect(parseQlikCloudEvent({ data: {} }, RECEIVED)).toMatchObject({ kind: 'unknown', type: null });
  });

  it('refuses JSON that is not an object', () => {
    for (const body of [null, [], 'text', 42]) expect(parseQlikCloudEvent(body, RECEIVED).kind).toBe('invalid');
  });
});
