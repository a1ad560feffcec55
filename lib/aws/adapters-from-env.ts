/**
 * The service's AWS adapters on the real DynamoDB tables and Secrets Manager, each built once per container on
 * first use and shared by every `*-from-env.ts` wiring. A function only needs the variables of the adapters it
 * touches (the webhook receiver has no KMS key id, the connection test no reload events table).
 *
 * The EventBridge publisher and the Lambda sync trigger are not here: each has a single user
 * (lib/reloads/reload-pipeline-from-env.ts, lib/repository/repository-api-from-env.ts), and keeping their SDK clients
 * out of this module keeps them out of the bundles that never publish or invoke.
 */
import { resetSharedClients, sharedDocumentClient } from '#lib/aws/clients.ts';
import { requiredEnv, resetServiceEnvironment, serviceEnvironment } from '#lib/aws/environment.ts';
import { DynamoDbAuditLog } from '#lib/audit/dynamodb-audit-log.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import { DynamoDbReloadStore } from '#lib/reloads/dynamodb-reload-store.ts';
import { DynamoDbAppCatalog } from '#lib/repository/dynamodb-app-catalog.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import type { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { builtOnFirstCall } from '#lib/on-first-use.ts';

export interface ServiceAdapters {
  /** Settings and state items (SERVERS_TABLE_NAME). */
  readonly servers: DynamoDbServerStore;
  /** The Qlik credentials (SECRET_NAME_PREFIX, SECRETS_KMS_KEY_ID). */
  readonly secrets: SecretsManagerSecretStore;
  /** The Qlik Repository (APPS_TABLE_NAME). */
  readonly apps: DynamoDbAppCatalog;
  /** Leases in the servers table: one sync per server, one webhook provisioning at a time. */
  readonly leases: DynamoDbLeaseProvider;
  /** Reload ledger, history and watermarks (RELOAD_EVENTS_TABLE_NAME). */
  readonly reloads: DynamoDbReloadStore;
  /** The audit trail (AUDIT_TABLE_NAME): every action records itself through its `AuditLog` port. */
  readonly audit: DynamoDbAuditLog;
}

let built: Partial<{ -readonly [K in keyof ServiceAdapters]: ServiceAdapters[K] }> = {};

const ADAPTERS: ServiceAdapters = {
  get servers() {
    return (built.servers ??= new DynamoDbServerStore(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME')));
  },
  get secrets() {
    if (!built.secrets) {
      const options = {
        namePrefix: requiredEnv('SECRET_NAME_PREFIX'),
        kmsKeyId: serviceEnvironment().SECRETS_KMS_KEY_ID,
      };
      // The Secrets Manager client loads with the first secret read or written, not with every cold start.
      built.secrets = builtOnFirstCall(async () => {
        const [{ SecretsManagerSecretStore }, { sharedSecretsManagerClient }] = await Promise.all([
          import('#lib/servers/secrets-manager-secret-store.ts'),
          import('#lib/aws/secrets-manager-client.ts'),
        ]);
        return new SecretsManagerSecretStore(sharedSecretsManagerClient(), options);
      });
    }
    return built.secrets;
  },
  get apps() {
    return (built.apps ??= new DynamoDbAppCatalog(sharedDocumentClient(), requiredEnv('APPS_TABLE_NAME')));
  },
  get leases() {
    return (built.leases ??= new DynamoDbLeaseProvider(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME')));
  },
  get reloads() {
    return (built.reloads ??= new DynamoDbReloadStore(sharedDocumentClient(), requiredEnv('RELOAD_EVENTS_TABLE_NAME')));
  },
  get audit() {
    return (built.audit ??= new DynamoDbAuditLog(sharedDocumentClient(), requiredEnv('AUDIT_TABLE_NAME')));
  },
};

/** This container's adapters (each built on first use). */
export function adaptersFromEnv(): ServiceAdapters {
  return ADAPTERS;
}

/**
 * Forgets the adapters, their clients and the parsed environment, so the next use reads the environment and the
 * endpoints again (the local runtime starts in-process in tests, with new stand-ins each time).
 */
export function resetAdapters(): void {
  built = {};
  resetServiceEnvironment();
  resetSharedClients();
}
