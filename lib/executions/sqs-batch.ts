/**
 * An SQS event for the extraction worker, with partial batch responses (`ReportBatchItemFailures`): a record that
 * should come back (no free slot, a retry) is listed in `batchItemFailures`; every other one is deleted by Lambda.
 * The mapping's batch size is 1, but any batch is handled record by record.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ExtractionWorker } from '#lib/executions/extraction-worker.ts';
import { logger } from '#lib/observability/logger.ts';

export async function handleExtractionBatch(worker: ExtractionWorker, event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const outcome = await worker.process({ body: record.body, receiptHandle: record.receiptHandle });
      if (outcome === 'retry') batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch (error) {
      // Infrastructure trouble (DynamoDB, SQS): the message comes back after its visibility timeout.
      logger.error('Extraction message could not be handled', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
