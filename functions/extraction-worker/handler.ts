import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { extractionWorkerFromEnv } from '#lib/executions/executions-from-env.ts';
import { handleExtractionBatch } from '#lib/executions/sqs-batch.ts';
import { logger } from '#lib/observability/logger.ts';

let worker: ReturnType<typeof extractionWorkerFromEnv> | undefined;

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  worker ??= extractionWorkerFromEnv();
  return handleExtractionBatch(worker, event);
};
