/** The SDK clients only extractions use (lib/executions/executions-from-env.ts), built once per container. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sharedClient } from '#lib/aws/clients.ts';

// The queue URL only names the queue; requests go to the configured endpoint (in AWS the same host; locally the
// embedded SQS, whose queue URLs carry a host name that does not resolve).
export const sharedSqsClient = sharedClient(() => new SQSClient({ useQueueUrlAsEndpoint: false }));
export const sharedS3Client = sharedClient(() => new S3Client({}));
/** Sets the worker's event source mappings' maximum concurrency when a cap is saved. */
export const sharedLambdaClient = sharedClient(() => new LambdaClient({}));
