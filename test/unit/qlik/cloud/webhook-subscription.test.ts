import { describe, expect, it } from 'vitest';
import {
  RELOAD_EVENT_TYPE,
  planWebhookRepair,
  sameUrl,
  type QlikWebhook,
} from '#lib/qlik/cloud/webhook-subscription.ts';

const URL = 'https://kpimailer.example.com/webhooks/qlik-cloud';
const healthy: QlikWebhook = {
  id: 'w1',
  name: 'kpimailer',
  url: URL,
  enabled: true,
  eventTypes: [RELOAD_EVENT_TYPE],
  level: 'tenant',
  secretKeyAdded: true,
};

describe('reload webhook repair plan', () => {
  it('changes nothing on a healthy webhook whose secret we hold', () => {
    expect(planWebhookRepair(healthy, URL, true)).toEqual({
      operations: [],
      reasons: [],
      needsSecret: false,
      recreate: false,
    });
  });

  it('re-enables a disabled webhook and quotes why Qlik disabled it', () => {
    const plan = planWebhookRepair(
      { ...healthy, enabled: false, disabledReason: 'Too many failed deliveries' },
      URL,
      true,
    );

    expect(plan.operations).toEqual([{ op: 'replace', path: '/enabled', value: true }]);
    expect(plan.reasons).toEqual(['re-enabled (Qlik had disabled it: Too many failed deliveries)']);
  });

  it('replaces other event types, another URL and another name with JSON Patch operations', () => {
    const plan = planWebhookRepair(
      {
        ...healthy,
        name: 'renamed',
        url: 'https://old.example.com/x',
        eventTypes: ['com.qlik.v1.app.reload.finished'],
      },
      URL,
      true,
    );

    expect(plan.operations).toEqual([
      { op: 'replace', path: '/eventTypes', value: [RELOAD_EVENT_TYPE] },
      { op: 'replace', path: '/url', value: URL },
      { op: 'replace', path: '/name', value: 'kpimailer' },
    ]);
  });

  it('asks for a new secret when we hold none, or Qlik says none is set', () => {
    expect(planWebhookRepair(healthy, URL, false).needsSecret).toBe(true);
    expect(planWebhookRepair({ ...healthy, secretKeyAdded: false }, URL, true).needsSecret).toBe(true);
  });

  it('recreates a user-level webhook, since level cannot be patched', () => {
    expect(planWebhookRepair({ ...healthy, level: 'user' }, URL, false)).toMatchObject({
      recreate: true,
      operations: [],
    });
  });

  it('compares URLs ignoring host case, a default port and a trailing slash', () => {
    expect(sameUrl('https://KPImailer.example.com:443/webhooks/qlik-cloud/', URL)).toBe(true);
    expect(sameUrl('https://kpimailer.example.com/webhooks/other', URL)).toBe(false);
  });
});
