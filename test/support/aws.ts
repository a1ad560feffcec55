/**
 * Real AWS stand-ins for integration tests: uniquely named tables in the shared DynamoDB Local, and a fresh local
 * Secrets Manager. Both are reached through the same SDK adapters the service uses.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { inject } from 'vitest';
import { createDocumentClient } from '#lib/aws/clients.ts';
import { appsTable, auditTable, executionsTable, serversTable } from '#lib/aws/table-definitions.ts';
import { ensureTables } from '#lib/local/ensure-tables.ts';
import { startLocalSecretsManager, type LocalSecretsManager } from '#lib/local/local-secrets-manager.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface TestAws {
  endpoint: string;
  serversTableName: string;
  appsTableName: string;
  auditTableName: string;
  executionsTableName: string;
  documentClient: ReturnType<typeof createDocumentClient>;
  secretsManager: LocalSecretsManager;
  secretsClient: SecretsManagerClient;
  secretNamePrefix: string;
  /** Environment that points the service's `*FromEnv` factories at these resources. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startTestAws(options: { secretsDataDir?: string } = {}): Promise<TestAws> {
  const endpoint = inject('dynamoDbEndpoint');
  const suffix = randomUUID().slice(0, 8);
  const serversTableName = `servers-${suffix}`;
  const appsTableName = `apps-${suffix}`;
  const auditTableName = `audit-${suffix}`;
  const executionsTableName = `executions-${suffix}`;
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  await ensureTables(raw, [
    serversTable(serversTableName),
    appsTable(appsTableName),
    auditTable(auditTableName),
    executionsTable(executionsTableName),
  ]);
  raw.destroy();
  const secretsManager = await startLocalSecretsManager({ dataDir: options.secretsDataDir });
  // The stand-in accepts only the credentials it generated; DynamoDB Local accepts any.
  const secretsCredentials = secretsManager.credentials;
  const secretNamePrefix = `kpimailer/test-${suffix}`;
  return {
    endpoint,
    serversTableName,
    appsTableName,
    auditTableName,
    executionsTableName,
    documentClient: createDocumentClient({ endpoint, region: 'us-east-1', credentials }),
    secretsManager,
    secretsClient: new SecretsManagerClient({
      endpoint: secretsManager.endpoint,
      region: 'us-east-1',
      credentials: secretsCredentials,
    }),
    secretNamePrefix,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: secretsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretsCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      SERVERS_TABLE_NAME: serversTableName,
      APPS_TABLE_NAME: appsTableName,
      AUDIT_TABLE_NAME: auditTableName,
      SECRET_NAME_PREFIX: secretNamePrefix,
      // The settings API wires extractions with its other routes. Suites that run extractions replace the queues
      // with real local ones (test/integration/executions/execution-harness.ts); elsewhere nothing may reach them,
      // so they point at a closed port and a send would fail loudly.
      EXECUTIONS_TABLE_NAME: executionsTableName,
      EXTRACTION_QUEUE_URLS: JSON.stringify({ onprem: 'http://127.0.0.1:1/onprem', cloud: 'http://127.0.0.1:1/cloud' }),
      EXTRACTION_DLQ_URLS: JSON.stringify({
        onprem: 'http://127.0.0.1:1/onprem-dlq',
        cloud: 'http://127.0.0.1:1/cloud-dlq',
      }),
      RESULTS_DIR: mkdtempSync(join(tmpdir(), 'kpimailer-results-')),
    },
    close: async () => {
      await secretsManager.close();
    },
  };
}
