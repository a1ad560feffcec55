/**
 * AWS SDK clients, built once per container. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables,
 * so the local runtime and integration tests point the unchanged adapters at local stand-ins without any code here.
 *
 * Only DynamoDB, which every request uses, is here; Secrets Manager (secrets-manager-client.ts) and the SQS, S3 and
 * Lambda clients (extraction-clients.ts) are in their own modules, loaded by the paths that use them.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Every AWS SDK client gets a connection and a request (socket idle) timeout: the SDK's default is none, so one
 * stalled connection would hold a function until Lambda kills it. The SDK's own retries (3 tries, backoff with
 * jitter, throttling-aware) stay on; the API turns a throttle that outlasts them into 503 with Retry-After.
 */
export const AWS_CLIENT_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/** The base configuration of every SDK client the service builds. */
export function awsClientConfig<T extends object>(
  config: T = {} as T,
): T & { requestHandler: typeof AWS_CLIENT_TIMEOUTS; maxAttempts: number } {
  return { requestHandler: AWS_CLIENT_TIMEOUTS, maxAttempts: 3, ...config };
}

let documentClient: DynamoDBDocumentClient | undefined;
const otherClientResets: Array<() => void> = [];

/** A client built once per container on first use; resetSharedClients destroys and forgets it. */
export function sharedClient<T extends { destroy(): void }>(build: () => T): () => T {
  let client: T | undefined;
  otherClientResets.push(() => {
    client?.destroy();
    client = undefined;
  });
  return () => (client ??= build());
}

export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(config)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function sharedDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient();
  return documentClient;
}

/** Forgets the shared clients so the next use reads the endpoints again (lib/aws/adapters-from-env.ts resetAdapters). */
export function resetSharedClients(): void {
  documentClient?.destroy();
  documentClient = undefined;
  for (const reset of otherClientResets) reset();
}
