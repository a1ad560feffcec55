/**
 * Shared setup of the Qlik Cloud integration suites: a simulated tenant with one M2M client, a connection
 * pointing at it, and `runTest` calling the connection test the way the handler will (trusting the
 * simulator's CA through the client option, see test/simulators/qlik-cloud/server.ts).
 */
import type { CloudConnection } from '#lib/connection-test/connection-types.ts';
import { closeCloudClients } from '#lib/qlik/cloud/cloud-client.ts';
import { testCloudConnection, type CloudConnectionTestOptions } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import {
  InMemoryWebhookPort,
  startQlikCloudSimulator,
  type ClientOptions,
  type QlikCloudSimulator,
} from '#test/simulators/qlik-cloud/index.ts';

export const CLIENT_ID = 'kpimailer-m2m-client';
export const CLIENT_SECRET = 'm2m-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
export const PUBLIC_ORIGIN = 'https://kpimailer.example.com';

export interface Tenant {
  sim: QlikCloudSimulator;
  port: InMemoryWebhookPort;
  connection: CloudConnection;
  webIntegrationId: string;
  run(
    overrides?: Partial<CloudConnection>,
    options?: Partial<CloudConnectionTestOptions>,
  ): ReturnType<typeof testCloudConnection>;
  close(): Promise<void>;
}

export async function startTenant(client: Partial<ClientOptions> = {}): Promise<Tenant> {
  const sim = await startQlikCloudSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...client }],
  });
  const webIntegrationId = sim.state.addWebIntegration([PUBLIC_ORIGIN]).id;
  const port = new InMemoryWebhookPort();
  const connection: CloudConnection = {
    url: sim.url,
    oauthClientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    webIntegrationId,
    webhook: null,
  };
  return {
    sim,
    port,
    connection,
    webIntegrationId,
    run: (overrides = {}, options = {}) =>
      testCloudConnection({ ...connection, ...overrides }, { webhook: port, client: { ca: sim.caPem }, ...options }),
    close: async () => {
      clearCloudTokenCache();
      await sim.close();
    },
  };
}

/** Every test starts with a cold token cache, as a new container would. */
export function resetContainer(): void {
  clearCloudTokenCache();
}

export async function closeAll(): Promise<void> {
  clearCloudTokenCache();
  await closeCloudClients();
}

/** The simulator's request log as `METHOD /path` lines, for asserting which calls a test made. */
export function calls(sim: QlikCloudSimulator): string[] {
  return sim.requests.map((r) => `${r.method} ${r.path}`);
}
