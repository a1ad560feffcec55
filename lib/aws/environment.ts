/**
 * The functions' environment, parsed once per container (zod): every variable the service reads, with its meaning
 * and format. The CDK stack names the variables it sets through `FunctionEnvironment`, so a misspelt name does not
 * compile; the local runtime sets the same ones. A variable a function needs but lacks fails at its first use with
 * its name in the error ("Environment variable SERVERS_TABLE_NAME is not set."), a malformed one at parse time.
 *
 * zod/mini rather than zod: the webhook receiver, whose cold start Qlik waits through, loads nothing else of zod.
 */
import * as z from 'zod/mini';

const name = z.string().check(z.minLength(1));
const positive = z.coerce.number().check(z.positive());

const ENVIRONMENT = z.object({
  /** Settings, state, leases (`lib/aws/table-definitions.ts` has the keys). */
  SERVERS_TABLE_NAME: z.optional(name),
  /** The Qlik Repository: synced apps. */
  APPS_TABLE_NAME: z.optional(name),
  /** Reload event ledger, history and polling watermark. */
  RELOAD_EVENTS_TABLE_NAME: z.optional(name),
  /** Secrets are `<prefix>/onprem`, `<prefix>/cloud`, `<prefix>/cloud-webhook`. */
  SECRET_NAME_PREFIX: z.optional(name),
  /** The KMS key new secrets are encrypted with; unset: Secrets Manager's default key. */
  SECRETS_KMS_KEY_ID: z.optional(name),
  /** `eventbridge` in AWS; `local` (the reload events table and the log) under `npm start`. */
  RELOAD_PUBLISHER: z._default(z.enum(['eventbridge', 'local']), 'eventbridge'),
  /** The bus reload-finished events go to, when publishing to EventBridge. */
  RELOAD_EVENT_BUS_NAME: z.optional(name),
  /** The function the settings API invokes to start a sync; unset, the sync runs in-process (locally). */
  SCHEDULED_SYNC_FUNCTION_NAME: z.optional(name),
  /** Where Qlik Cloud posts reload events (the receiver's function URL plus the route table's path). */
  WEBHOOK_PUBLIC_URL: z.optional(z.url()),
  /** The admin page's public base URL (its origin is checked against the web integration's allowed origins). */
  KPIMAILER_PUBLIC_URL: z.optional(z.url()),
  /** Which Qlik Cloud space types' apps are synced, comma-separated (default shared,managed). */
  QLIK_CLOUD_SYNC_SPACE_TYPES: z.optional(z.string()),
  /** On-prem reload polling re-reads this much before its watermark (default 120). */
  RELOAD_POLL_OVERLAP_SECONDS: z.optional(positive),
  /** How far back the very first on-prem poll looks (default 10). */
  RELOAD_POLL_LOOKBACK_MINUTES: z.optional(positive),
  /** Extra Qlik Cloud tenant domains for the destination policy, comma-separated (the stack's `qlikCloudHosts`). */
  KPIMAILER_QLIK_CLOUD_HOSTS: z.optional(z.string()),
  /** `true` lets Qlik connections reach loopback addresses: local development and tests only, never the stack. */
  KPIMAILER_ALLOW_LOOPBACK_QLIK: z.optional(z.string()),
  /** The audit trail (append-only; lib/audit/dynamodb-audit-log.ts). */
  AUDIT_TABLE_NAME: z.optional(name),
  /** How the admin page signs in, served as config.json by admin-ui (lib/admin-ui/sign-in-config.ts; not secret). */
  ADMIN_SIGN_IN_ISSUER: z.optional(name),
  ADMIN_SIGN_IN_CLIENT_ID: z.optional(name),
  ADMIN_SIGN_IN_AUTHORIZATION_ENDPOINT: z.optional(name),
  ADMIN_SIGN_IN_TOKEN_ENDPOINT: z.optional(name),
  ADMIN_SIGN_IN_REVOCATION_ENDPOINT: z.optional(name),
  ADMIN_SIGN_IN_LOGOUT_ENDPOINT: z.optional(name),
  ADMIN_SIGN_IN_LOGOUT_REDIRECT_PARAMETER: z.optional(name),
  /** Extractions: one item per execution (lib/executions). */
  EXECUTIONS_TABLE_NAME: z.optional(name),
  /** Extraction results in S3 (AWS) or a folder (local runtime). */
  RESULTS_BUCKET_NAME: z.optional(name),
  RESULTS_DIR: z.optional(name),
  /** `{"onprem": url, "cloud": url}`: each server's extraction queue and dead-letter queue. */
  EXTRACTION_QUEUE_URLS: z.optional(name),
  EXTRACTION_DLQ_URLS: z.optional(name),
  /** `{"onprem": uuid, "cloud": uuid}`: the worker's event source mappings (settings API; unset locally). */
  EXTRACTION_MAPPING_IDS: z.optional(name),
  /** One extraction's time limit (default 600) and how long after it a crashed worker's slot frees itself (default 30). */
  EXTRACTION_TIMEOUT_SECONDS: z.optional(positive),
  EXTRACTION_SLOT_MARGIN_SECONDS: z.optional(positive),
  /** Where the admin-ui function finds the built page; default `./admin-ui` next to its bundle. */
  ADMIN_UI_DIR: z.optional(name),
});

export type ServiceEnvironment = z.infer<typeof ENVIRONMENT>;
/** The name of a variable the service reads. */
export type EnvironmentVariable = keyof ServiceEnvironment;
/** What the stack sets on a function: only names the service reads (plus the few every function gets). */
export type FunctionEnvironment = Partial<
  Record<EnvironmentVariable | 'POWERTOOLS_SERVICE_NAME' | 'LOG_LEVEL' | 'NODE_OPTIONS', string>
>;

let parsed: ServiceEnvironment | undefined;

/** The parsed environment of this container (parsed on first use). */
export function serviceEnvironment(env: NodeJS.ProcessEnv = process.env): ServiceEnvironment {
  if (env !== process.env) return parse(env);
  parsed ??= parse(env);
  return parsed;
}

/** A variable the caller cannot work without; a missing one is a deployment bug, so it fails loudly, by name. */
export function requiredEnv<K extends EnvironmentVariable>(
  variable: K,
  environment: ServiceEnvironment = serviceEnvironment(),
): NonNullable<ServiceEnvironment[K]> {
  const value = environment[variable];
  if (value === undefined) throw new Error(`Environment variable ${variable} is not set.`);
  return value as NonNullable<ServiceEnvironment[K]>;
}

/** Forgets the parsed environment (the local runtime and tests set it in-process). */
export function resetServiceEnvironment(): void {
  parsed = undefined;
}

function parse(env: NodeJS.ProcessEnv): ServiceEnvironment {
  // An empty variable counts as unset, as it always has.
  const present = Object.fromEntries(
    Object.keys(ENVIRONMENT.shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])),
  );
  const result = ENVIRONMENT.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${String(issue.path[0])} (${issue.code.replace(/_/g, ' ')})`);
  throw new Error(`Environment variable ${problems.join(', ')} is not valid.`);
}
