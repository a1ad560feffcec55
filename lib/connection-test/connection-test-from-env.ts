/** Wires the connection test on this container's adapters and the Qlik clients. */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';
import { createWebhookProvisioning, webhookTargetUrl } from '#lib/connection-test/webhook-provisioning.ts';
import type { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import type { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import { ServerService } from '#lib/servers/server-service.ts';

export function connectionTestServiceFromEnv(): ConnectionTestService {
  const { servers, secrets, leases } = adaptersFromEnv();
  const { KPIMAILER_PUBLIC_URL } = serviceEnvironment();
  return new ConnectionTestService({
    servers: new ServerService({ servers, secrets }),
    store: servers,
    // The Qlik clients (undici, node-forge) load with the first test that gets past validation: a draft refused
    // with a 400 never needs them, and their chunks would double the function's cold start.
    testers: {
      onprem: async (...args: Parameters<typeof testOnPremConnection>) =>
        (await import('#lib/qlik/onprem/onprem-connection-test.ts')).testOnPremConnection(...args),
      cloud: async (...args: Parameters<typeof testCloudConnection>) =>
        (await import('#lib/qlik/cloud/cloud-connection-test.ts')).testCloudConnection(...args),
    },
    webhook: createWebhookProvisioning({ secrets, leases, targetUrl: webhookTargetUrl() }),
    publicOrigin: KPIMAILER_PUBLIC_URL ? new URL(KPIMAILER_PUBLIC_URL).origin : null,
  });
}
