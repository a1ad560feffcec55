/**
 * Tests a Qlik Cloud connection (`POST /api/servers/cloud/test`) with the contract's two checks, then provisions
 * the reload webhook:
 *
 *   Server reachable  anonymous probe: DNS, TCP, TLS, and an answer shaped like a Qlik Cloud tenant.
 *   Authentication    a token is issued, `/api/v1/users/me` answers, and the reload webhook is created, reused or
 *                     repaired. The webhook outcome is part of this check's message.
 *
 * Why a webhook failure fails Authentication instead of being a warning: the webhook is how KPImailer learns that
 * a reload finished, so without it reload-triggered reports silently never run. A permission problem with it is
 * a problem of the OAuth client's grants, fixed in the same place as the credentials (the message names the
 * `webhooks` scope and the role), and a test that says "ok" must mean the connection does everything we need.
 * The web integration is different: only the browser uses it, so its problems are warnings.
 *
 * Round trips: the webhook lookup and the web-integration read start as soon as the token is in hand, beside
 * `/users/me`; they only read, so starting them before authentication is proven is harmless. A repeated test
 * in a warm container costs 3 round trips of wall time (probe, users/me + lookups, the users/me redirect).
 */
import { CheckFailedError, runCheckLadder, type Check } from '#lib/connection-test/check-ladder.ts';
import type { CloudConnection } from '#lib/connection-test/connection-types.ts';
import { logger, registerSecretValue } from '#lib/observability/logger.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient, type CloudClientOptions, type RateLimitPolicy } from '#lib/qlik/cloud/cloud-client.ts';
import { describeQlikCloudError } from '#lib/qlik/cloud/permission-errors.ts';
import { RateLimitMeter, type RateLimitMetrics } from '#lib/qlik/cloud/rate-tier-pause.ts';
import { probeTenant } from '#lib/qlik/cloud/reachability.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { webIntegrationWarnings } from '#lib/qlik/cloud/web-integration.ts';
import type { TenantWebhookPorts } from '#lib/qlik/cloud/webhook-ports.ts';
import { tenantKeyOf } from '#lib/reloads/webhook-signing-secrets.ts';
import {
  lookupReloadWebhooks,
  provisionReloadWebhook,
  type WebhookLookup,
  type WebhookOutcome,
} from '#lib/qlik/cloud/webhook-subscription.ts';
import type { CheckResult, TestResult, WebhookState } from '#lib/servers/server-record.ts';

export interface CloudConnectionTestOptions {
  /** Provisioning in the tenant `/users/me` names, with that tenant's own signing secret. */
  webhook: TenantWebhookPorts;
  /** This deployment's browser origin; when given, the web integration's allowed origins are checked. */
  publicOrigin?: string | null;
  /** Whole-test budget; API Gateway gives the handler 30 s. */
  deadlineMs?: number;
  onProgress?: (checks: CheckResult[]) => void;
  /** Transport overrides: tests pass the simulator's CA or a mock dispatcher. */
  client?: CloudClientOptions;
}

export interface CloudConnectionTestOutcome {
  result: TestResult;
  /** The provisioned webhook, or null when the checks did not get that far. */
  webhook: WebhookState | null;
  /** Whether this test created, reused or repaired the webhook (and what a repair changed), for the audit trail. */
  provisioning: { outcome: WebhookOutcome; reasons: string[] } | null;
  warnings: string[];
  /** The tenant the OAuth client signed in to (from `/users/me`); the webhook receiver refuses other tenants' events. */
  tenantId: string | null;
  /** How often and how long Qlik's rate limits paused each tier during the test (also logged). */
  rateLimits: RateLimitMetrics;
}

const DEFAULT_DEADLINE_MS = 25_000;
/** A test must answer inside its deadline, so it waits out a short rate-limit pause at most (a longer one fails it at once). */
const TEST_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 4, maxTotalWaitMs: 8_000 };

interface QlikUser {
  id?: string;
  name?: string;
  subject?: string;
  tenantId?: string;
}

/**
 * Runs the two checks on an effective (draft merged with saved) connection.
 *
 * @example
 *   const { result, webhook, warnings } = await testCloudConnection(connection, { webhook: port, publicOrigin });
 */
export async function testCloudConnection(
  connection: CloudConnection,
  options: CloudConnectionTestOptions,
): Promise<CloudConnectionTestOutcome> {
  registerSecretValue(connection.clientSecret);
  const client = getCloudClient(connection.url, options.client);
  const tokens = cloudTokenProvider(client, connection.oauthClientId, connection.clientSecret);
  const meter = new RateLimitMeter(client.pauses);
  const api = new QlikCloudApi(client, tokens, TEST_RATE_LIMIT, meter);
  const outcome: Omit<CloudConnectionTestOutcome, 'result' | 'rateLimits'> = {
    webhook: null,
    provisioning: null,
    warnings: [],
    tenantId: null,
  };

  const checks: Check<null>[] = [
    {
      name: 'Server reachable',
      timeoutMs: 8_000,
      run: async (_context, signal) => {
        try {
          return await probeTenant(client, { signal, rateLimit: TEST_RATE_LIMIT, meter });
        } catch (error) {
          throw new CheckFailedError(describeQlikCloudError(error), { cause: error });
        }
      },
    },
    {
      name: 'Authentication',
      timeoutMs: 20_000,
      run: async (_context, signal) => {
        const result = await authenticateAndProvision(api, connection, options, signal);
        outcome.webhook = result.webhook;
        outcome.provisioning = result.provisioning;
        outcome.tenantId = result.tenantId;
        outcome.warnings.push(...result.warnings);
        return result.message;
      },
    },
  ];
  const result = await runCheckLadder(checks, null, {
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    onProgress: options.onProgress,
  }).finally(() => meter.stop());
  const rateLimits = meter.metrics();
  logger.info('Qlik Cloud connection test finished', { host: client.host, ok: result.ok, rateLimits });
  return {
    result,
    webhook: result.ok ? outcome.webhook : null,
    provisioning: result.ok ? outcome.provisioning : null,
    warnings: outcome.warnings,
    tenantId: result.ok ? outcome.tenantId : null,
    rateLimits,
  };
}

async function authenticateAndProvision(
  api: QlikCloudApi,
  connection: CloudConnection,
  options: CloudConnectionTestOptions,
  signal: AbortSignal,
) {
  const port = options.webhook;
  const fail = (prefix: string, error: unknown) =>
    new CheckFailedError(`${prefix}${describeQlikCloudError(error)}`, { cause: error });
  try {
    await api.tokens.getToken();
  } catch (error) {
    throw fail('', error);
  }

  // Reads only: safe to start before /users/me has proven the token, and they save a round trip.
  const targetProblem = webhookUrlProblem(port.targetUrl);
  const lookup: Promise<WebhookLookup> | null = targetProblem
    ? null
    : lookupReloadWebhooks(api, port.targetUrl, connection.webhook?.id ?? null, signal);
  lookup?.catch(() => undefined);
  const originWarnings = options.publicOrigin
    ? webIntegrationWarnings(api, connection.webIntegrationId, options.publicOrigin, signal)
    : Promise.resolve([]);

  let user: QlikUser | undefined;
  try {
    user = await api.get<QlikUser | undefined>('/api/v1/users/me', { operation: 'users.me', signal });
  } catch (error) {
    throw fail('A token was issued, but ', error);
  }
  const who = user?.name ?? user?.subject ?? user?.id ?? 'the OAuth client';
  const signedIn = `Signed in as ${who}${user?.tenantId ? ` (tenant ${user.tenantId})` : ''}.`;

  if (targetProblem || !lookup) {
    // The connection itself works; what is missing is a public https URL for this deployment (only a local run lacks
    // one, and Qlik Cloud could not reach a loopback address anyway). Say so without failing the admin's credentials.
    const warnings = [targetProblem ?? 'The reload webhook was not set up.', ...(await originWarnings)];
    return {
      message: `${signedIn} Reload webhook not set up (see the warning).`,
      webhook: null,
      provisioning: null,
      warnings,
      tenantId: user?.tenantId ?? null,
    };
  }
  // The tenant is known only now; its webhook's signing secret is its own, whichever tenant is saved.
  const tenantPort = port.forTenant(tenantKeyOf(user?.tenantId, connection.url));
  let provisioned;
  try {
    provisioned = await provisionReloadWebhook(api, tenantPort, {
      knownWebhookId: connection.webhook?.id ?? null,
      prefetched: lookup,
      signal,
    });
  } catch (error) {
    throw fail(`${signedIn} The reload webhook could not be set up: `, error);
  }
  const warnings = [...provisioned.warnings, ...(await originWarnings)];
  const provisioning = { outcome: provisioned.outcome, reasons: provisioned.reasons };
  return {
    message: `${signedIn} ${provisioned.summary}`,
    webhook: provisioned.webhook,
    provisioning,
    warnings,
    tenantId: user?.tenantId ?? null,
  };
}

/** Qlik only delivers to https URLs with a host name; saying so here beats Qlik's generic 400. */
function webhookUrlProblem(targetUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    return `The reload webhook cannot be set up: this deployment's public webhook URL (${targetUrl}) is not a URL. Set KPIMAILER_PUBLIC_URL (locally) or redeploy the stack.`;
  }
  if (url.protocol !== 'https:') {
    return `The reload webhook cannot be set up: Qlik Cloud only posts to https URLs, and this deployment's webhook URL is ${targetUrl}. Set KPIMAILER_PUBLIC_URL to a public https address (e.g. a tunnel) to receive reload events locally.`;
  }
  return null;
}
