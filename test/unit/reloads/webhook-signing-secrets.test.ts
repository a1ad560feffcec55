import { describe, expect, it } from 'vitest';
import {
  signingKeysFor,
  tenantKeyOf,
  withTenantSecret,
  WEBHOOK_SECRET_GRACE_MS,
} from '#lib/reloads/webhook-signing-secrets.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

const NOW = new Date('2026-06-01T00:00:00Z');

describe('webhook signing secrets per tenant', () => {
  it('re-keys one tenant only, keeping its previous secret for the grace period', () => {
    const first = withTenantSecret(withTenantSecret(null, 'tenant-a', 'a1', NOW), 'tenant-b', 'b1', NOW);
    const rotated = withTenantSecret(first, 'tenant-b', 'b2', NOW);

    expect(signingKeysFor(rotated, 'tenant-a')).toEqual({ secret: 'a1', previous: null, previousUntil: null });
    expect(signingKeysFor(rotated, 'tenant-b')).toEqual({
      secret: 'b2',
      previous: 'b1',
      previousUntil: new Date(NOW.getTime() + WEBHOOK_SECRET_GRACE_MS).toISOString(),
    });
    expect(signingKeysFor(rotated, 'tenant-c')).toBeNull();
  });

  it('lets every tenant without its own entry use the single secret stored before secrets were per tenant', () => {
    const legacy: WebhookSigningSecret = { kind: 'webhook', secret: 'old', previous: null, previousUntil: null };
    const upgraded = withTenantSecret(legacy, 'tenant-b', 'b1', NOW);

    expect(signingKeysFor(upgraded, 'tenant-a')?.secret).toBe('old');
    expect(signingKeysFor(upgraded, 'tenant-b')).toMatchObject({ secret: 'b1', previous: 'old' });
  });

  it('keys by tenant id, else by the tenant origin', () => {
    expect(tenantKeyOf('t-1', 'https://acme.eu.qlikcloud.com/')).toBe('t-1');
    expect(tenantKeyOf(null, 'https://ACME.eu.qlikcloud.com/hub')).toBe('https://acme.eu.qlikcloud.com');
  });
});
