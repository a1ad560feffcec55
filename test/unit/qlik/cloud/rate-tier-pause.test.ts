import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getCloudClient, QlikCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { QlikCloudRateLimitError } from '#lib/qlik/cloud/cloud-errors.ts';
import {
  defaultRateTier,
  RateLimitMeter,
  RateTierPauses,
  REPORTS_CREATE_TIER,
  TierPausedTooLong,
} from '#lib/qlik/cloud/rate-tier-pause.ts';

describe('rate tier pauses', () => {
  let now: number;
  let random: number;
  let pauses: RateTierPauses;

  beforeEach(() => {
    now = 1_000;
    random = 0;
    pauses = new RateTierPauses({ now: () => now, random: () => random, backoff: { baseMs: 1_000, maxMs: 8_000 } });
  });

  it('puts GETs in Tier 1 and everything else in Tier 2 unless the call names a tier', () => {
    expect(defaultRateTier('GET')).toBe('tier1');
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(defaultRateTier)).toEqual(['tier2', 'tier2', 'tier2', 'tier2']);
    expect(REPORTS_CREATE_TIER).toMatch(/^special:/);
  });

  it('pauses one tier for Retry-After and keeps the longer of two pauses', () => {
    pauses.pause('tier1', 5_000);
    pauses.pause('tier1', 2_000);

    expect(pauses.remainingMs('tier1')).toBe(5_000);
    expect(pauses.remainingMs('tier2')).toBe(0);
    now += 5_000;
    expect(pauses.remainingMs('tier1')).toBe(0);
  });

  it('backs off exponentially with jitter, within bounds, when Retry-After is missing, and starts over after an answer', () => {
    const steps = [1_000, 2_000, 4_000, 8_000, 8_000];
    const backoff = { baseMs: 1_000, maxMs: 8_000 };
    const streak = (draw: number) => {
      const tiers = new RateTierPauses({ now: () => now, random: () => draw, backoff });
      const seen = steps.map(() => {
        now += 100_000; // each 429 arrives after the previous pause has ended
        return tiers.pause('tier2', null);
      });
      tiers.settle('tier2');
      now += 100_000;
      return { seen, afterAnAnswer: tiers.pause('tier2', null) };
    };

    const low = streak(0);
    const high = streak(0.999);

    // At least half of each exponential step, at most the step, and the step stops growing at maxMs.
    expect(low.seen).toEqual(steps.map((step) => step / 2));
    high.seen.forEach((ms, i) => expect(ms).toBeGreaterThan(steps[i]! * 0.99));
    high.seen.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(steps[i]!));
    expect(low.afterAnAnswer).toBe(500);
  });

  it('counts per meter how often and how long a tier was paused, its own 429s and its waits', async () => {
    const real = new RateTierPauses();
    real.pause('tier1', 40);
    const meter = new RateLimitMeter(real);
    real.pause('tier2', 30, meter);

    const waited = await real.wait('tier1', { meter });
    const metrics = meter.stop();

    expect(waited).toBeGreaterThan(0);
    expect(metrics.tier1).toMatchObject({ pauses: 1, limited: 0, waits: 1 });
    expect(metrics.tier2).toMatchObject({ pauses: 1, limited: 1, waits: 0 });
    expect(metrics.tier1!.pausedMs).toBeLessThanOrEqual(40);
    expect(await real.wait('tier2', { meter })).toBeGreaterThanOrEqual(0);
    expect(meter.metrics().tier2!.waits).toBe(0);
  });

  it('refuses at once, unsent, a wait longer than the caller may wait', async () => {
    pauses.pause('tier1', 60_000);

    await expect(pauses.wait('tier1', { maxWaitMs: 10_000 })).rejects.toBeInstanceOf(TierPausedTooLong);
    expect(await pauses.wait('tier2', { maxWaitMs: 0 })).toBe(0);
  });
});

describe('Qlik Cloud client with tier pauses', () => {
  const ORIGIN = 'https://acme.eu.qlikcloud.com';
  const JSON_HEADERS = { 'content-type': 'application/json' };
  const noWait = { maxAttempts: 3, maxTotalWaitMs: 0 };
  let agent: MockAgent;
  let client: QlikCloudClient;
  const tenant = () => agent.get(ORIGIN);
  const limited = (path: string, method: string, headers: Record<string, string>) =>
    tenant()
      .intercept({ path, method })
      .reply(
        429,
        { errors: [{ code: 'HTTP-429', title: 'API rate limit reached.' }] },
        { headers: { ...JSON_HEADERS, ...headers } },
      );

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = getCloudClient(ORIGIN, { dispatcher: agent });
  });
  afterEach(async () => agent.close());

  it("holds back every caller's request of the tier after one 429, and sends other tiers", async () => {
    limited('/api/v1/items', 'GET', { 'retry-after': '30' });
    tenant()
      .intercept({ path: '/api/v1/webhooks', method: 'POST' })
      .reply(201, { id: 'w1' }, { headers: JSON_HEADERS });
    tenant()
      .intercept({ path: '/api/v1/reports', method: 'POST' })
      .reply(202, { requestId: 'r1' }, { headers: JSON_HEADERS });

    const first = await client
      .getJson('/api/v1/items', { rateLimit: { maxAttempts: 1, maxTotalWaitMs: 0 } })
      .catch((e: unknown) => e);
    const other = await client.getJson('/api/v1/spaces', { rateLimit: noWait }).catch((e: unknown) => e);

    expect(first).toMatchObject({ name: 'QlikCloudRateLimitError', attempts: 1 });
    // Not sent: the MockAgent has no interceptor for /api/v1/spaces and would have thrown a network error.
    expect(other).toBeInstanceOf(QlikCloudRateLimitError);
    expect(other).toMatchObject({ attempts: 0, reason: 'wait', status: 429, path: '/api/v1/spaces' });
    expect((other as QlikCloudRateLimitError).retryAfterMs).toBeGreaterThan(29_000);
    await expect(client.sendJson('POST', '/api/v1/webhooks', {}, { rateLimit: noWait })).resolves.toEqual({ id: 'w1' });
    await expect(
      client.sendJson('POST', '/api/v1/reports', {}, { rateLimit: noWait, tier: REPORTS_CREATE_TIER }),
    ).resolves.toEqual({ requestId: 'r1' });
  });

  it('keeps the Reports API POST tier apart from Tier 2', async () => {
    limited('/api/v1/reports', 'POST', { 'retry-after': '60' });
    tenant()
      .intercept({ path: '/api/v1/webhooks', method: 'POST' })
      .reply(201, { id: 'w1' }, { headers: JSON_HEADERS });

    await expect(
      client.sendJson(
        'POST',
        '/api/v1/reports',
        {},
        { rateLimit: { maxAttempts: 1, maxTotalWaitMs: 0 }, tier: REPORTS_CREATE_TIER },
      ),
    ).rejects.toBeInstanceOf(QlikCloudRateLimitError);

    expect(client.pauses.remainingMs(REPORTS_CREATE_TIER)).toBeGreaterThan(59_000);
    expect(client.pauses.remainingMs('tier2')).toBe(0);
    await expect(client.sendJson('POST', '/api/v1/webhooks', {}, { rateLimit: noWait })).resolves.toEqual({ id: 'w1' });
  });

  it('pauses the tier for a bounded backoff when Retry-After is missing or unreadable, then retries', async () => {
    limited('/api/v1/items', 'GET', {});
    limited('/api/v1/items', 'GET', { 'retry-after': 'soon' });
    tenant().intercept({ path: '/api/v1/items', method: 'GET' }).reply(200, { data: [] }, { headers: JSON_HEADERS });
    client = new QlikCloudClient(ORIGIN, agent, new RateTierPauses({ backoff: { baseMs: 10, maxMs: 40 } }));
    const pause = vi.spyOn(client.pauses, 'pause');

    await expect(
      client.getJson('/api/v1/items', { rateLimit: { maxAttempts: 3, maxTotalWaitMs: 10_000 } }),
    ).resolves.toEqual({ data: [] });

    expect(pause.mock.calls.map(([tier, retryAfterMs]) => [tier, retryAfterMs])).toEqual([
      ['tier1', null],
      ['tier1', null],
    ]);
    expect(pause.mock.results.map((r) => r.value as number).every((ms) => ms >= 5 && ms <= 20)).toBe(true);
  });
});
