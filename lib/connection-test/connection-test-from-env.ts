/** Wires the connection test on the real adapters and Qlik clients from the function's environment. */
import { requiredEnv, sharedDocumentClient } from '#lib/aws/clients.ts';
import { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';
import { createWebhookProvisioning, webhookTargetUrl } from '#lib/connection-test/webhook-provisioning.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import { serverAdaptersFromEnv } from '#lib/servers/server-service-from-env.ts';
import { ServerService } from '#lib/servers/server-service.ts';

export function connectionTestServiceFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionTestService {
  const adapters = serverAdaptersFromEnv(env);
  const leases = new DynamoDbLeaseProvider(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME', env));
  return new ConnectionTestService({
    servers: new ServerService(adapters),
    store: adapters.servers,
    testers: { onprem: testOnPremConnection, cloud: testCloudConnection },
    webhook: createWebhookProvisioning({ secrets: adapters.secrets, leases, targetUrl: webhookTargetUrl(env) }),
    publicOrigin: env.KPIMAILER_PUBLIC_URL ? new URL(env.KPIMAILER_PUBLIC_URL).origin : null,
  });
}
