/**
 * Reload webhook signing secrets per Qlik Cloud tenant (the `cloud-webhook` secret, see `WebhookSigningSecret`).
 * Provisioning in one tenant re-keys that tenant's entry only, so testing a draft for another tenant never stops
 * the saved tenant's deliveries from verifying; the receiver verifies with the saved tenant's entry only.
 */
import type { WebhookSigningKeys, WebhookSigningSecret } from '#lib/servers/server-record.ts';

/** Deliveries signed with the previous secret are still accepted this long after a rotation. */
export const WEBHOOK_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Beyond this many tenants the least recently keyed entry is dropped, so drafts tested against ever new tenants
 * cannot grow the secret towards Secrets Manager's 64 KB limit. Real deployments see one or two tenants.
 */
export const MAX_TENANT_ENTRIES = 50;

/**
 * Which entry a tenant's webhook secret lives under: Qlik's tenant id (the same tenant under its alias host name
 * shares one webhook, hence one secret), or the tenant origin when `/users/me` did not say.
 */
export function tenantKeyOf(tenantId: string | null | undefined, tenantUrl: string): string {
  return tenantId || originOf(tenantUrl);
}

/** `https://host[:port]` of a tenant URL, lower-cased: how tenants are told apart before Qlik names them. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

/** The keys that verify the tenant's deliveries, or null when none are stored for it. */
export function signingKeysFor(stored: WebhookSigningSecret | null, tenantKey: string): WebhookSigningKeys | null {
  const own = stored?.tenants?.[tenantKey];
  if (own) return { secret: own.secret, previous: own.previous, previousUntil: own.previousUntil };
  // Stored before secrets were kept per tenant: that one secret still belongs to every tenant without its own.
  if (stored?.secret)
    return { secret: stored.secret, previous: stored.previous ?? null, previousUntil: stored.previousUntil ?? null };
  return null;
}

/** The stored value with a new secret for one tenant (its old one kept for the grace period); other tenants untouched. */
export function withTenantSecret(
  stored: WebhookSigningSecret | null,
  tenantKey: string,
  secret: string,
  now: Date,
): WebhookSigningSecret {
  const before = signingKeysFor(stored, tenantKey);
  const tenants = {
    ...stored?.tenants,
    [tenantKey]: {
      secret,
      previous: before?.secret ?? null,
      previousUntil: before ? new Date(now.getTime() + WEBHOOK_SECRET_GRACE_MS).toISOString() : null,
      updatedAt: now.toISOString(),
    },
  };
  const byAge = Object.entries(tenants).sort(([, a], [, b]) => b.updatedAt.localeCompare(a.updatedAt));
  return { ...stored, kind: 'webhook', tenants: Object.fromEntries(byAge.slice(0, MAX_TENANT_ENTRIES)) };
}

/** Every secret value inside, for masking in logs. */
export function signingSecretValues(stored: WebhookSigningSecret): (string | null | undefined)[] {
  return [
    stored.secret,
    stored.previous,
    ...Object.values(stored.tenants ?? {}).flatMap((keys) => [keys.secret, keys.previous]),
  ];
}
