/**
 * AWS SDK clients, built once per container. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables,
 * so the local runtime and integration tests point the unchanged adapters at local stand-ins without any code here.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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

export function sharedSecretsManagerClient(): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient({});
  return secretsClient;
}

/** Forgets the shared clients so the next use reads the endpoints again (lib/aws/adapters-from-env.ts resetAdapters). */
export function resetSharedClients(): void {
  documentClient?.destroy();
  secretsClient?.destroy();
  documentClient = undefined;
  secretsClient = undefined;
}
