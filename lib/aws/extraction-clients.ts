/**
 * The SDK clients only some paths use (extractions, a saved cap, an API-started sync), built once per container with
 * the same timeouts as every other client, and loaded with `await import()` where a cold start should not pay for them.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLIENT_TIMEOUTS, awsClientConfig, sharedClient } from '#lib/aws/clients.ts';

// The queue URL only names the queue; requests go to the configured endpoint (in AWS the same host; locally the
// embedded SQS, whose queue URLs carry a host name that does not resolve).
export const sharedSqsClient = sharedClient(() => new SQSClient(awsClientConfig({ useQueueUrlAsEndpoint: false })));
// Results run up to 64 MiB: a minute of socket silence, not ten seconds, before an upload or download is given up.
export const sharedS3Client = sharedClient(
  () => new S3Client(awsClientConfig({ requestHandler: { ...AWS_CLIENT_TIMEOUTS, requestTimeout: 60_000 } })),
);
/** Sets the worker's event source mappings' maximum concurrency when a cap is saved, and starts a sync run. */
export const sharedLambdaClient = sharedClient(() => new LambdaClient(awsClientConfig()));
