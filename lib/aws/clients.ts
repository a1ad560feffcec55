/**
 * AWS SDK clients, built once per container. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_*` variables,
 * so the local runtime and integration tests point the unchanged adapters at local stand-ins without any code here.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

let documentClient: DynamoDBDocumentClient | undefined;
let secretsClient: SecretsManagerClient | undefined;
let sqsClient: SQSClient | undefined;
let s3Client: S3Client | undefined;
let lambdaClient: LambdaClient | undefined;

// The queue URL only names the queue; requests go to the configured endpoint (in AWS the same host; locally the
// embedded SQS, whose queue URLs carry a host name that does not resolve).
export const sharedSqsClient = () => (sqsClient ??= new SQSClient({ useQueueUrlAsEndpoint: false }));
export const sharedS3Client = () => (s3Client ??= new S3Client({}));
export const sharedLambdaClient = () => (lambdaClient ??= new LambdaClient({}));

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
  for (const client of [documentClient, secretsClient, sqsClient, s3Client, lambdaClient]) client?.destroy();
  documentClient = undefined;
  secretsClient = undefined;
  sqsClient = undefined;
  s3Client = undefined;
  lambdaClient = undefined;
}
