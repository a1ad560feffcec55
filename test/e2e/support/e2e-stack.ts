/**
 * The real stack for the admin page's end-to-end tests: the local runtime (real handlers, embedded DynamoDB and
 * Secrets Manager, the admin page built by buildAdminUi) in front of the two Qlik simulators, all in this
 * process. The Qlik Cloud client is told to trust the cloud simulator's CA; the Qlik Sense site is trusted
 * through the CA inside the uploaded client.pfx, as a real QMC export is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { startLocalRuntime, type LocalRuntime } from '#lib/local/local-runtime.ts';
import { createClientPfx } from '#test/support/certificates.ts';
import { startQlikCloudSimulator, TenantApps, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

export const PFX_PASSWORD = 'Pfx-e2e-Password-51c7';
export const CLIENT_ID = 'kpimailer-e2e-client';
export const CLIENT_SECRET = 'e2e-client-secret-d41d8cd98f00b204e980';

export interface E2eStack {
  runtime: LocalRuntime;
  qse: QlikSenseSimulator;
  cloud: QlikCloudSimulator;
  /** The tenant's apps and spaces (items and spaces routes), for the first sync. */
  tenant: TenantApps;
  /** A Windows-format client.pfx of the simulated site, as exported from the QMC. */
  pfx: Buffer;
  webIntegrationId: string;
  /** Forgets a server's settings through the API, so a test can start from "Not configured". */
  reset(id: 'onprem' | 'cloud'): Promise<void>;
  close(): Promise<void>;
}

/** `oidc` runs the local runtime in OIDC mode against that issuer (the sign-in tests). */
export async function startE2eStack(options: { oidc?: { issuer: string; clientId: string } } = {}): Promise<E2eStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kpimailer-e2e-'));
  const qse = await startQlikSenseSimulator();
  const tenant = new TenantApps({ count: 12, sharedSpaces: 2, managedSpaces: 1, personalShare: 0 });
  const cloud = await startQlikCloudSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
    routes: tenant.routes(),
  });
  setDefaultCloudClientOptions({ ca: cloud.caPem });
  // Qlik Cloud only posts webhooks to https; the receiver's public URL is never called in these tests.
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    env: { WEBHOOK_PUBLIC_URL: 'https://kpimailer-e2e.example.com/webhooks/qlik-cloud' },
    oidc: options.oidc,
  });
  const webIntegrationId = cloud.state.addWebIntegration([runtime.url]).id;
  return {
    runtime,
    qse,
    cloud,
    tenant,
    pfx: createClientPfx(qse.pki, 'legacy', { password: PFX_PASSWORD }),
    webIntegrationId,
    reset: async (id) => {
      const res = await fetch(`${runtime.url}/api/servers/${id}`, { method: 'DELETE' });
      if (res.status !== 204) throw new Error(`DELETE /api/servers/${id} answered ${res.status}: ${await res.text()}`);
    },
    close: async () => {
      await runtime.close();
      await Promise.all([qse.close(), cloud.close()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
