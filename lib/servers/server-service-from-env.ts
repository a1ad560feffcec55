/** Builds the servers domain on the real adapters from the function's environment (set by the CDK stack or the local runtime). */
import { requiredEnv, sharedDocumentClient, sharedSecretsManagerClient } from '#lib/aws/clients.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { ServerService, type ServerServiceDeps } from '#lib/servers/server-service.ts';
import { DynamoDbAppCatalog } from '#lib/repository/dynamodb-app-catalog.ts';

export function serverAdaptersFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    servers: new DynamoDbServerStore(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME', env)),
    secrets: new SecretsManagerSecretStore(sharedSecretsManagerClient(), {
      namePrefix: requiredEnv('SECRET_NAME_PREFIX', env),
      kmsKeyId: env.SECRETS_KMS_KEY_ID || undefined,
    }),
  };
}

export function serverServiceFromEnv(extra: Partial<ServerServiceDeps> = {}, env: NodeJS.ProcessEnv = process.env): ServerService {
  // Deleting a server also removes its synced apps (ServerAppsCleanup).
  const apps = new DynamoDbAppCatalog(sharedDocumentClient(), requiredEnv('APPS_TABLE_NAME', env));
  return new ServerService({ ...serverAdaptersFromEnv(env), apps, ...extra });
}
