/** The settings API on real stand-ins (DynamoDB Local, local Secrets Manager) with hooks to inject failures and read logs. */
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { vi } from 'vitest';
import { createSettingsApiHandler } from '#lib/api/settings-api.ts';
import { auditRoutes } from '#lib/audit/audit-api.ts';
import { DynamoDbAuditLog } from '#lib/audit/dynamodb-audit-log.ts';
import { DynamoDbServerStore, stateKey } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import type { SecretStore, ServerStore } from '#lib/servers/server-ports.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import { SERVER_IDS } from '#lib/servers/server-id.ts';
import { logger } from '#lib/observability/logger.ts';
import { callApi, type ApiCall } from '#test/support/api-events.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';

export interface SettingsApiHarness {
  aws: TestAws;
  servers: ServerStore;
  secrets: SecretStore;
  call(method: string, path: string, call?: ApiCall): ReturnType<typeof callApi>;
  /** Every item of the servers table plus every secret's current value: the whole stored configuration. */
  snapshot(): Promise<string>;
  logs(): string;
  /** Removes both servers' settings, state and secrets: each test starts unconfigured. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSettingsApi(): Promise<SettingsApiHarness> {
  const aws = await startTestAws();
  const servers = new DynamoDbServerStore(aws.documentClient, aws.serversTableName);
  const secrets = new SecretsManagerSecretStore(aws.secretsClient, { namePrefix: aws.secretNamePrefix });
  // Tests replace methods of these two objects to inject failures at each step of a save.
  const serverStore: ServerStore = Object.create(servers) as ServerStore;
  const secretStore: SecretStore = Object.create(secrets) as SecretStore;
  const audit = new DynamoDbAuditLog(aws.documentClient, aws.auditTableName);
  const handler = createSettingsApiHandler(() => ({
    servers: new ServerService({ servers: serverStore, secrets: secretStore }),
    audit,
    extraRoutes: auditRoutes(() => audit),
  }));

  // The leak test reads what an operator would see at the default level, whatever the shell sets.
  logger.setLogLevel('INFO');
  const captured: string[] = [];
  const capture = (chunk: unknown) => {
    captured.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi
        .spyOn(console, level)
        .mockImplementation((...args: unknown[]) => void captured.push(args.map(String).join(' '))),
    ),
  ];

  return {
    aws,
    servers: serverStore,
    secrets: secretStore,
    call: (method, path, call) => callApi(handler, method, path, call),
    snapshot: async () => {
      const { Items } = await aws.documentClient.send(
        new ScanCommand({ TableName: aws.serversTableName, ConsistentRead: true }),
      );
      const stored = await Promise.all(
        (['onprem', 'cloud', 'cloud-webhook'] as const).map((name) => secrets.readCurrent(name)),
      );
      const items = (Items ?? []).sort((a, b) => String(a.id).localeCompare(String(b.id)));
      return JSON.stringify({ items, stored });
    },
    logs: () => captured.join('\n'),
    reset: async () => {
      for (const id of SERVER_IDS.flatMap((serverId) => [serverId, stateKey(serverId)])) {
        await aws.documentClient.send(new DeleteCommand({ TableName: aws.serversTableName, Key: { id } }));
      }
      await Promise.all(SERVER_IDS.map((name) => secrets.delete(name)));
    },
    close: async () => {
      spies.forEach((spy) => spy.mockRestore());
      await aws.close();
    },
  };
}
