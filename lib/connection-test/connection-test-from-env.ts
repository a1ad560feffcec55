/** Wires the connection test on this container's adapters and the Qlik clients. */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';
import { createWebhookProvisioning, webhookTargetUrl } from '#lib/connection-test/webhook-provisioning.ts';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import { ServerService } from '#lib/servers/server-service.ts';

export function connectionTestServiceFromEnv(): ConnectionTestService {
  const { servers, secrets, leases } = adaptersFromEnv();
  const { KPIMAILER_PUBLIC_URL } = serviceEnvironment();
  return new ConnectionTestService({
    servers: new ServerService({ servers, secrets }),
    store: servers,
    testers: { onprem: testOnPremConnection, cloud: testCloudConnection },
    webhook: createWebhookProvisioning({ secrets, leases, targetUrl: webhookTargetUrl() }),
    publicOrigin: KPIMAILER_PUBLIC_URL ? new URL(KPIMAILER_PUBLIC_URL).origin : null,
  });
}
