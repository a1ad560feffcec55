/**
 * Wires extractions on the real adapters from the function's environment (set by the CDK stack or the local runtime):
 *   EXECUTIONS_TABLE_NAME, SERVERS_TABLE_NAME (slot leases), EXTRACTION_QUEUE_URLS / EXTRACTION_DLQ_URLS
 *   (`{"onprem": url, "cloud": url}`), RESULTS_BUCKET_NAME (AWS) or RESULTS_DIR (local), EXTRACTION_MAPPING_IDS
 *   (settings API only: `{"onprem": uuid, "cloud": uuid}`; unset locally, where the poller follows the cap itself),
 *   EXTRACTION_TIMEOUT_SECONDS (default 600) and EXTRACTION_SLOT_MARGIN_SECONDS (default 30).
 */
import type { ApiRoute } from '#lib/api/api-handler.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { sharedDocumentClient } from '#lib/aws/clients.ts';
import { requiredEnv, serviceEnvironment } from '#lib/aws/environment.ts';
import { DynamoDbExecutionStore } from '#lib/executions/dynamodb-execution-store.ts';
import { DynamoDbSlotLeases } from '#lib/executions/dynamodb-slot-leases.ts';
import { LOCAL_CONSUMERS, SlotLimitCapacity } from '#lib/executions/execution-capacity.ts';
import type { ConsumerConcurrency, ExecutionQueue, ResultStore } from '#lib/executions/execution-ports.ts';
import { ExecutionService } from '#lib/executions/execution-service.ts';
import { executionRoutes } from '#lib/executions/executions-api.ts';
import { ExtractionWorker, type ExtractionWorkerDeps } from '#lib/executions/extraction-worker.ts';
import { parseQueueUrls } from '#lib/executions/queue-urls.ts';
import { recentlyLoaded } from '#lib/executions/recently-loaded.ts';
import { builtOnFirstCall, onFirstUse } from '#lib/on-first-use.ts';
import type { ExecutionCapacity, ExecutionCountsReader } from '#lib/servers/server-service.ts';
import type { ServerRecord, ServerSecret } from '#lib/servers/server-record.ts';

/**
 * The SQS, S3 and Lambda clients load on their first use: the settings API serves every settings route from this
 * wiring, and only a submit, a result download or a saved cap needs them (lean cold starts, issue 11).
 */
function adapters() {
  const env = serviceEnvironment();
  const documents = sharedDocumentClient();
  // Read now, so a malformed variable fails at the first request rather than at the first submit.
  const queueUrls = parseQueueUrls('EXTRACTION_QUEUE_URLS', env.EXTRACTION_QUEUE_URLS);
  const deadLetterUrls = parseQueueUrls('EXTRACTION_DLQ_URLS', env.EXTRACTION_DLQ_URLS);
  const queue = builtOnFirstCall<ExecutionQueue>(async () => {
    const [{ SqsExecutionQueue }, { sharedSqsClient }] = await Promise.all([
      import('#lib/executions/sqs-execution-queue.ts'),
      import('#lib/aws/extraction-clients.ts'),
    ]);
    return new SqsExecutionQueue(sharedSqsClient(), queueUrls, deadLetterUrls);
  });
  const results = builtOnFirstCall<ResultStore>(resultStoreFromEnv);
  return {
    executions: new DynamoDbExecutionStore(documents, requiredEnv('EXECUTIONS_TABLE_NAME')),
    slots: new DynamoDbSlotLeases(documents, requiredEnv('SERVERS_TABLE_NAME')),
    queue,
    results,
  };
}

async function resultStoreFromEnv(): Promise<ResultStore> {
  const env = serviceEnvironment();
  const { FileResultStore, S3ResultStore } = await import('#lib/executions/result-stores.ts');
  if (!env.RESULTS_BUCKET_NAME) return new FileResultStore(requiredEnv('RESULTS_DIR'));
  const { sharedS3Client } = await import('#lib/aws/extraction-clients.ts');
  return new S3ResultStore(sharedS3Client(), env.RESULTS_BUCKET_NAME);
}

/** Sets the worker's mappings' MaximumConcurrency on a saved cap (AWS); locally the poller follows the cap itself. */
function consumersFromEnv(): ConsumerConcurrency {
  const mappingIdsValue = serviceEnvironment().EXTRACTION_MAPPING_IDS;
  if (!mappingIdsValue) return LOCAL_CONSUMERS;
  const mappingIds = parseQueueUrls('EXTRACTION_MAPPING_IDS', mappingIdsValue);
  return builtOnFirstCall<ConsumerConcurrency>(async () => {
    const [{ EventSourceMappingConcurrency }, { sharedLambdaClient }] = await Promise.all([
      import('#lib/executions/event-source-mapping-concurrency.ts'),
      import('#lib/aws/extraction-clients.ts'),
    ]);
    return new EventSourceMappingConcurrency(sharedLambdaClient(), mappingIds);
  });
}

export function executionServiceFromEnv(): ExecutionService {
  const { servers } = adaptersFromEnv();
  return new ExecutionService({ ...adapters(), loadServer: (id) => servers.get(id) });
}

export function executionRoutesFromEnv(): ApiRoute[] {
  return executionRoutes(executionServiceFromEnv());
}

/** What the settings service needs of extractions: applying a saved cap and reading live counts. */
export function executionSettingsFromEnv(): { capacity: ExecutionCapacity; executionCounts: ExecutionCountsReader } {
  const service = executionServiceFromEnv();
  const slots = new DynamoDbSlotLeases(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME'));
  return {
    capacity: new SlotLimitCapacity(slots, consumersFromEnv()),
    executionCounts: (id, configured) => service.counts(id, configured),
  };
}

/** How long a worker container keeps a server it loaded (settings, state, secret) before reading it again. */
export const LOADED_SERVER_TTL_MS = 5_000;

export function extractionWorkerFromEnv(overrides: Partial<ExtractionWorkerDeps> = {}): ExtractionWorker {
  const { servers, secrets } = adaptersFromEnv();
  const env = serviceEnvironment();
  // Secret versions never change once written, so a version read once serves every later extraction.
  const secretsByVersion = new Map<string, Promise<ServerSecret>>();
  const readSecret = (record: ServerRecord): Promise<ServerSecret> => {
    const key = `${record.secret.arn}|${record.secret.versionId}`;
    const cached = secretsByVersion.get(key);
    if (cached) return cached;
    const secret = secrets.read<ServerSecret>(record.secret);
    secret.catch(() => secretsByVersion.delete(key));
    secretsByVersion.set(key, secret);
    return secret;
  };
  // Loaded on the first extraction: the Qlik clients (undici) stay out of the settings API's cold start.
  const extractors = onFirstUse(async () => (await import('#lib/executions/qlik-extractors.ts')).qlikExtractors());
  return new ExtractionWorker({
    ...adapters(),
    loadServer: recentlyLoaded(async (id) => {
      const [record, state] = await Promise.all([servers.get(id), servers.getState(id)]);
      return record ? { record, state, secret: await readSecret(record) } : null;
    }, LOADED_SERVER_TTL_MS),
    extractors: async (server) => (await extractors())(server),
    timeoutMs: (env.EXTRACTION_TIMEOUT_SECONDS ?? 600) * 1000,
    slotMarginMs: (env.EXTRACTION_SLOT_MARGIN_SECONDS ?? 30) * 1000,
    ...overrides,
  });
}
