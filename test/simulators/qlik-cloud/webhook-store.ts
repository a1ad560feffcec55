/**
 * The simulated tenant's webhooks, with Qlik's rules: https URLs with a host name (no IP), 32–64 character
 * secrets, `enabled` false unless sent, tenant level only for TenantAdmin, JSON Patch on a fixed set of paths,
 * and a response that never contains the secret (only `secretKeyAdded`). The secret stays here so the
 * reload-events issue can sign deliveries with it.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { badRequest, forbidden, notFound } from '#test/simulators/qlik-cloud/sim-errors.ts';

export const KNOWN_EVENT_TYPES = [
  'com.qlik.v1.reload.finished',
  'com.qlik.v1.app.reload.finished',
  'com.qlik.v1.app.created',
  'com.qlik.v1.app.deleted',
];

const PATCHABLE = new Set([
  '/name',
  '/description',
  '/url',
  '/eventTypes',
  '/headers',
  '/enabled',
  '/secret',
  '/encryptedHeaders',
]);

export interface SimWebhook {
  id: string;
  name: string;
  description?: string;
  url: string;
  eventTypes: string[];
  level: 'tenant' | 'user';
  enabled: boolean;
  secret: string | null;
  headers: Record<string, string>;
  filter?: string;
  ownerId: string;
  createdByUserId: string;
  updatedByUserId: string;
  createdAt: string;
  updatedAt: string;
  disabledReason?: string;
  disabledReasonCode?: string;
  origin: 'api' | 'automations' | 'management-console';
}

export interface Actor {
  userId: string;
  tenantAdmin: boolean;
}

export class WebhookStore {
  private readonly webhooks = new Map<string, SimWebhook>();
  constructor(private readonly now: () => number) {}

  all(): SimWebhook[] {
    return [...this.webhooks.values()];
  }

  get(id: string): SimWebhook {
    const found = this.webhooks.get(id);
    if (!found) throw notFound('WEBHOOK-404', 'Webhook not found');
    return found;
  }

  /** Test setup: put a webhook in place as if someone created it earlier (no validation). */
  seed(partial: Partial<SimWebhook> & Pick<SimWebhook, 'name' | 'url'>): SimWebhook {
    const at = new Date(this.now()).toISOString();
    const webhook: SimWebhook = {
      id: randomUUID(),
      eventTypes: ['com.qlik.v1.reload.finished'],
      level: 'tenant',
      enabled: true,
      secret: null,
      headers: {},
      ownerId: 'seed-user',
      createdByUserId: 'seed-user',
      updatedByUserId: 'seed-user',
      createdAt: at,
      updatedAt: at,
      origin: 'api',
      ...partial,
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  create(body: unknown, actor: Actor): SimWebhook {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a webhook object');
    const input = body as Record<string, unknown>;
    const name = requireString(input.name, 'name', 512);
    const url = validUrl(input.url);
    const level = input.level ?? 'tenant';
    if (level !== 'tenant' && level !== 'user') throw badRequest('level must be tenant or user');
    if (level === 'tenant' && !actor.tenantAdmin) throw forbidden();
    const at = new Date(this.now()).toISOString();
    const webhook: SimWebhook = {
      id: randomUUID(),
      name,
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      url,
      eventTypes: validEventTypes(input.eventTypes ?? []),
      level,
      enabled: input.enabled === true,
      secret: input.secret === undefined ? null : validSecret(input.secret),
      headers: (input.headers as Record<string, string> | undefined) ?? {},
      ownerId: actor.userId,
      createdByUserId: actor.userId,
      updatedByUserId: actor.userId,
      createdAt: at,
      updatedAt: at,
      origin: 'api',
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  patch(id: string, body: unknown, actor: Actor): void {
    const webhook = this.get(id);
    if (!Array.isArray(body) || body.length === 0) throw badRequest('the body must be a non-empty JSON Patch array');
    const next = { ...webhook };
    for (const raw of body) {
      const op = raw as { op?: unknown; path?: unknown; value?: unknown };
      if (op.op !== 'add' && op.op !== 'replace' && op.op !== 'remove')
        throw badRequest(`unsupported op ${String(op.op)}`);
      if (typeof op.path !== 'string' || !PATCHABLE.has(op.path))
        throw badRequest(`path ${String(op.path)} cannot be patched`);
      const field = op.path.slice(1);
      if (op.op === 'remove') {
        if (field === 'secret') next.secret = null;
        else if (field === 'description') delete next.description;
        else throw badRequest(`${op.path} cannot be removed`);
        continue;
      }
      if (field === 'name') next.name = requireString(op.value, 'name', 512);
      else if (field === 'url') next.url = validUrl(op.value);
      else if (field === 'eventTypes') next.eventTypes = validEventTypes(op.value);
      else if (field === 'enabled') next.enabled = op.value === true;
      else if (field === 'secret') next.secret = validSecret(op.value);
      else if (field === 'description') next.description = String(op.value);
      else if (field === 'headers') next.headers = op.value as Record<string, string>;
    }
    if (next.enabled && !webhook.enabled) {
      delete next.disabledReason;
      delete next.disabledReasonCode;
    }
    next.updatedAt = new Date(this.now()).toISOString();
    next.updatedByUserId = actor.userId;
    this.webhooks.set(id, next);
  }

  delete(id: string): void {
    this.get(id);
    this.webhooks.delete(id);
  }

  /** What Qlik does after too many failed deliveries. */
  disable(id: string, reason = 'Too many failed deliveries', code = 'WEBHOOK-DELIVERY-FAILURES'): void {
    const webhook = this.get(id);
    this.webhooks.set(id, { ...webhook, enabled: false, disabledReason: reason, disabledReasonCode: code });
  }

  /** The response shape: everything but the secret, plus `secretKeyAdded`. */
  static toResponse(webhook: SimWebhook): Record<string, unknown> {
    const { secret, ...rest } = webhook;
    return { ...rest, secretKeyAdded: secret !== null, checkCertificateRevocation: false };
  }
}

function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${field} is required`);
  if (value.length > max) throw badRequest(`${field} is longer than ${max} characters`);
  return value;
}

function validUrl(value: unknown): string {
  const text = requireString(value, 'url', 2048);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest('url is not a valid URL');
  }
  if (url.protocol !== 'https:') throw badRequest('url must use https');
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')))
    throw badRequest('url must use a fully qualified domain name, not an IP address');
  return text;
}

function validEventTypes(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw badRequest('eventTypes must be an array of strings');
  for (const type of value) if (!KNOWN_EVENT_TYPES.includes(type)) throw badRequest(`unknown event type ${type}`);
  return [...value];
}

function validSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length < 32 || value.length > 64)
    throw badRequest('secret must be 32 to 64 characters');
  return value;
}
