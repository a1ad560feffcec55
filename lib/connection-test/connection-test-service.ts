/**
 * Test connection on a draft: resolve it against the saved settings (exactly as a save would), run the server type's
 * check ladder, and keep only what provisioning produced plus the result (as `pendingTest`, adopted as `lastTest`
 * when the same configuration is saved — or right away when it already is the saved one).
 */
import type { CloudConnection, OnPremConnection } from '#lib/connection-test/connection-types.ts';
import type { TenantWebhookPorts } from '#lib/qlik/cloud/webhook-ports.ts';
import { testedTenantPatch, webhookKnownFor } from '#lib/servers/cloud-tenants.ts';
import type { CloudConnectionTestOutcome } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { cloudConnectionOf, onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { ResolvedDraft } from '#lib/servers/resolve-draft.ts';
import type { ServerStore } from '#lib/servers/server-ports.ts';
import type {
  ProvisionedVirtualProxy,
  ServerRecord,
  ServerState,
  TestResult,
  WebhookState,
} from '#lib/servers/server-record.ts';
import type { ServerService } from '#lib/servers/server-service.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** API Gateway answers 503 after 30 s; the ladder must be done well before. */
export const TEST_DEADLINE_MS = 25_000;
/** Kept back from the platform's remaining time for storing the result and answering. */
export const TEST_RESERVE_MS = 2_000;

export interface TestBudget {
  /** The invocation's time left (Lambda's `context.getRemainingTimeInMillis`), read when the test starts. */
  remainingMs?: () => number;
  now?: () => number;
}

export interface ConnectionTesters {
  onprem(
    connection: OnPremConnection,
    options: { deadlineMs: number },
  ): Promise<{ result: TestResult; virtualProxy: ProvisionedVirtualProxy | null }>;
  cloud(
    connection: CloudConnection,
    options: { deadlineMs: number; webhook: TenantWebhookPorts; publicOrigin: string | null },
  ): Promise<{
    result: TestResult;
    webhook: WebhookState | null;
    provisioning?: CloudConnectionTestOutcome['provisioning'];
    warnings: string[];
    tenantId: string | null;
  }>;
}

export interface ConnectionTestDeps {
  servers: ServerService;
  store: ServerStore;
  testers: ConnectionTesters;
  webhook: TenantWebhookPorts;
  /** The admin UI's origin, checked against the web integration's allowed origins. */
  publicOrigin: string | null;
  now?: () => Date;
}

export type ConnectionTestResponse = TestResult & { warnings: string[] };

/** What a test did to the reload webhook: created one, or repaired the one it found (what changed, in our words). */
export interface WebhookProvisioning {
  action: 'provisioned' | 'repaired';
  webhookId: string;
  reasons: string[];
}

export class ConnectionTestService {
  constructor(private readonly deps: ConnectionTestDeps) {}

  async test(id: ServerId, draft: unknown, budget: TestBudget = {}): Promise<ConnectionTestResponse> {
    return (await this.testWithProvisioning(id, draft, budget)).response;
  }

  /**
   * Tests, and says whether the Qlik Cloud reload webhook was created or repaired on the way (for the audit trail).
   * The budget starts at the invocation, not at the first check: the ladder gets what is left of
   * min(25 s, the platform's remaining time less a reserve for storing the result) once the draft is resolved.
   */
  async testWithProvisioning(
    id: ServerId,
    draft: unknown,
    budget: TestBudget = {},
  ): Promise<{ response: ConnectionTestResponse; webhook: WebhookProvisioning | null }> {
    const now = budget.now ?? Date.now;
    const startedAt = now();
    const allowed = Math.min(
      TEST_DEADLINE_MS,
      budget.remainingMs ? budget.remainingMs() - TEST_RESERVE_MS : TEST_DEADLINE_MS,
    );
    const { resolved, current } = await this.deps.servers.resolve(id, draft ?? {}, 'test');
    const state = await this.deps.store.getState(id);
    const outcome = await this.run(resolved, state, current, Math.max(0, allowed - (now() - startedAt)));

    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const fingerprint = await this.deps.servers.fingerprint(resolved);
    const stored = { at, ok: outcome.result.ok, checks: outcome.result.checks };
    const isSavedConfiguration = current?.fingerprint === fingerprint;
    await this.deps.store.updateState(id, {
      ...(isSavedConfiguration ? { lastTest: stored, pendingTest: null } : { pendingTest: { ...stored, fingerprint } }),
      ...outcome.provisioned,
    });
    return { response: { ...outcome.result, warnings: outcome.warnings }, webhook: outcome.webhook };
  }

  private async run(
    resolved: ResolvedDraft,
    state: ServerState,
    saved: ServerRecord | null,
    deadlineMs: number,
  ): Promise<{
    result: TestResult;
    warnings: string[];
    provisioned: Partial<ServerState>;
    webhook: WebhookProvisioning | null;
  }> {
    if (resolved.type === 'onprem') {
      const { result, virtualProxy } = await this.deps.testers.onprem(onPremConnectionOf(resolved, state), {
        deadlineMs,
      });
      return { result, warnings: [], provisioned: virtualProxy ? { virtualProxy } : {}, webhook: null };
    }
    const { result, webhook, provisioning, warnings, tenantId } = await this.deps.testers.cloud(
      cloudConnectionOf(resolved, { webhook: webhookKnownFor(state, resolved.settings.url) }),
      { deadlineMs, webhook: this.deps.webhook, publicOrigin: this.deps.publicOrigin },
    );
    if (!result.ok) return { result, warnings, provisioned: {}, webhook: null };
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const changed = webhook && provisioning && provisioning.outcome !== 'reused';
    return {
      result,
      warnings,
      provisioned: testedTenantPatch(state, saved, { url: resolved.settings.url, tenantId, webhook, at }),
      webhook: changed
        ? {
            action: provisioning.outcome === 'created' ? 'provisioned' : 'repaired',
            webhookId: webhook.id,
            reasons: provisioning.reasons,
          }
        : null,
    };
  }
}
