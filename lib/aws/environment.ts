/**
 * The functions' environment, parsed once per container: every variable the service reads, with its meaning and
 * format. The CDK stack names the variables it sets through `FunctionEnvironment`, so a misspelt name does not
 * compile; the local runtime sets the same ones. A variable a function needs but lacks fails at its first use with
 * its name in the error ("Environment variable SERVERS_TABLE_NAME is not set."), a malformed one at parse time.
 *
 * Checked by hand rather than with zod: four formats (a name, text, a positive number, a URL, plus one enum) are all
 * the environment has, and zod/mini cost every function 12-20 ms of its cold start for them (83 KB of zod's core to
 * compile, then the schema to build; `npm run bench -- cold-start`). The request bodies keep zod.
 */

/** How a variable's value is checked: a non-empty name, any text, a positive number, a URL, or one of a list. */
type Format = 'name' | 'text' | 'positive' | 'url' | { readonly oneOf: readonly string[]; readonly default: string };

const VARIABLES = {
  /** Settings, state, leases (`lib/aws/table-definitions.ts` has the keys). */
  SERVERS_TABLE_NAME: 'name',
  /** The Qlik Repository: synced apps. */
  APPS_TABLE_NAME: 'name',
  /** Reload event ledger, history and polling watermark. */
  RELOAD_EVENTS_TABLE_NAME: 'name',
  /** Secrets are `<prefix>/onprem`, `<prefix>/cloud`, `<prefix>/cloud-webhook`. */
  SECRET_NAME_PREFIX: 'name',
  /** The KMS key new secrets are encrypted with; unset: Secrets Manager's default key. */
  SECRETS_KMS_KEY_ID: 'name',
  /** `eventbridge` in AWS; `local` (the reload events table and the log) under `npm start`. */
  RELOAD_PUBLISHER: { oneOf: ['eventbridge', 'local'], default: 'eventbridge' },
  /** The bus reload-finished events go to, when publishing to EventBridge. */
  RELOAD_EVENT_BUS_NAME: 'name',
  /** The function the settings API invokes to start a sync; unset, the sync runs in-process (locally). */
  SCHEDULED_SYNC_FUNCTION_NAME: 'name',
  /** Where Qlik Cloud posts reload events (the receiver's function URL plus the route table's path). */
  WEBHOOK_PUBLIC_URL: 'url',
  /** The admin page's public base URL (its origin is checked against the web integration's allowed origins). */
  KPIMAILER_PUBLIC_URL: 'url',
  /** Which Qlik Cloud space types' apps are synced, comma-separated (default shared,managed). */
  QLIK_CLOUD_SYNC_SPACE_TYPES: 'text',
  /** On-prem reload polling re-reads this much before its watermark (default 120). */
  RELOAD_POLL_OVERLAP_SECONDS: 'positive',
  /** How far back the very first on-prem poll looks (default 10). */
  RELOAD_POLL_LOOKBACK_MINUTES: 'positive',
  /** Extra Qlik Cloud tenant domains for the destination policy, comma-separated (the stack's `qlikCloudHosts`). */
  KPIMAILER_QLIK_CLOUD_HOSTS: 'text',
  /** `true` lets Qlik connections reach loopback addresses: local development and tests only, never the stack. */
  KPIMAILER_ALLOW_LOOPBACK_QLIK: 'text',
  /** The audit trail (append-only; lib/audit/dynamodb-audit-log.ts). */
  AUDIT_TABLE_NAME: 'name',
  /** How the admin page signs in, served as config.json by admin-ui (lib/admin-ui/sign-in-config.ts; not secret). */
  ADMIN_SIGN_IN_ISSUER: 'name',
  ADMIN_SIGN_IN_CLIENT_ID: 'name',
  ADMIN_SIGN_IN_AUTHORIZATION_ENDPOINT: 'name',
  ADMIN_SIGN_IN_TOKEN_ENDPOINT: 'name',
  ADMIN_SIGN_IN_REVOCATION_ENDPOINT: 'name',
  ADMIN_SIGN_IN_LOGOUT_ENDPOINT: 'name',
  ADMIN_SIGN_IN_LOGOUT_REDIRECT_PARAMETER: 'name',
  /** Extractions: one item per execution (lib/executions). */
  EXECUTIONS_TABLE_NAME: 'name',
  /** Extraction results in S3 (AWS) or a folder (local runtime). */
  RESULTS_BUCKET_NAME: 'name',
  RESULTS_DIR: 'name',
  /** `{"onprem": url, "cloud": url}`: each server's extraction queue and dead-letter queue. */
  EXTRACTION_QUEUE_URLS: 'name',
  EXTRACTION_DLQ_URLS: 'name',
  /** `{"onprem": uuid, "cloud": uuid}`: the worker's event source mappings (settings API; unset locally). */
  EXTRACTION_MAPPING_IDS: 'name',
  /** One extraction's time limit (default 600) and how long after it a crashed worker's slot frees itself (default 30). */
  EXTRACTION_TIMEOUT_SECONDS: 'positive',
  EXTRACTION_SLOT_MARGIN_SECONDS: 'positive',
  /** Where the admin-ui function finds the built page; default `./admin-ui` next to its bundle. */
  ADMIN_UI_DIR: 'name',
} as const satisfies Record<string, Format>;

type Variables = typeof VARIABLES;
type ValueOf<F> = F extends 'positive' ? number : F extends { oneOf: readonly (infer V)[] } ? V : string;
type Defaulted = { [N in keyof Variables]: Variables[N] extends { default: string } ? N : never }[keyof Variables];

export type ServiceEnvironment = { [N in Defaulted]: ValueOf<Variables[N]> } & {
  [N in Exclude<keyof Variables, Defaulted>]?: ValueOf<Variables[N]>;
};
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
  const parsed: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [variable, format] of Object.entries(VARIABLES) as Array<[string, Format]>) {
    // An empty variable counts as unset, as it always has.
    const value = env[variable] || undefined;
    if (value === undefined) {
      if (typeof format === 'object') parsed[variable] = format.default;
      continue;
    }
    const problem = problemOf(value, format);
    if (problem) problems.push(`${variable} (${problem})`);
    else parsed[variable] = format === 'positive' ? Number(value) : value;
  }
  if (problems.length > 0) throw new Error(`Environment variable ${problems.join(', ')} is not valid.`);
  return parsed as ServiceEnvironment;
}

function problemOf(value: string, format: Format): string | null {
  if (format === 'positive')
    return Number(value) > 0 && Number.isFinite(Number(value)) ? null : 'not a positive number';
  if (format === 'url') return URL.canParse(value) ? null : 'not a URL';
  if (typeof format === 'object') return format.oneOf.includes(value) ? null : `not one of ${format.oneOf.join(', ')}`;
  return null;
}
