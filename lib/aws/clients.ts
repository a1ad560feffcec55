/**
 * AWS SDK clients, built once per container. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables,
 * so the local runtime and integration tests point the unchanged adapters at local stand-ins without any code here.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

let documentClient: DynamoDBDocumentClient | undefined;
let secretsClient: SecretsManagerClient | undefined;

export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function sharedDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient();
  return documentClient;
}

export function sharedSecretsManagerClient(config: SecretsManagerClientConfig = {}): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient(config);
  return secretsClient;
}

/** Reads a required setting of the deployment; a missing one is a deployment bug, so fail loudly at cold start. */
/** Forgets the shared clients so the next use reads the endpoints again (the local runtime restarts in-process in tests). */
export function resetSharedClients(): void {
  documentClient?.destroy();
  secretsClient?.destroy();
  documentClient = undefined;
  secretsClient = undefined;
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set.`);
  return value;
}
