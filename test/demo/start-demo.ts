/**
 * `npm run demo`: the local runtime exactly as `npm start` runs it (same handlers, stores and request guard, on
 * loopback), on a data directory of its own, in front of the project's Qlik Sense Enterprise and Qlik Cloud
 * simulators with a realistic catalog. Nothing is configured: the demo hands the admin a client certificate and an
 * OAuth client in files, as a Qlik admin would, and the wizard, tests, saves and syncs run for real.
 *
 * What the demo sets for itself only (the stack never does): loopback Qlik destinations, trust in the cloud
 * simulator's CA, and a public webhook URL on a documentation domain standing in for a tunnel.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WEBHOOK_RECEIVER_PATH } from '#lib/api/routes.ts';
import { startLocalRuntime, type LocalRuntime } from '#lib/local/local-runtime.ts';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { reportRoutes, SimReports, startQlikCloudSimulator, TenantApps } from '#test/simulators/qlik-cloud/index.ts';
import { DEFAULT_SERVICE_ACCOUNT, startQlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import { createClientPfx } from '#test/support/certificates.ts';
import { seedCloudCatalog, seedOnPremCatalog } from './demo-catalog.ts';
import { startDemoReloads, type DemoReloads } from './demo-reloads.ts';

/** Where the simulated Qlik Cloud tenant believes it posts; deliveries reach the runtime's loopback route. */
export const DEMO_WEBHOOK_URL = `https://kpimailer-demo.example.com${WEBHOOK_RECEIVER_PATH}`;

/** What the runtime keeps in the demo data directory, and the demo's own files: all recreated at each start. */
const DEMO_ENTRIES = ['dynamodb', 'secrets', 'results', 'qlik-sense-enterprise', 'qlik-cloud'];

export interface DemoOptions {
  /** Default: `KPIMAILER_DEMO_DATA_DIR` or `./.kpimailer-demo` (never `npm start`'s `KPIMAILER_DATA_DIR`). */
  dataDir?: string;
  /** How often each simulated site finishes a reload. Default: `KPIMAILER_DEMO_RELOAD_INTERVAL_SECONDS` or 60. */
  reloadIntervalSeconds?: number;
  log?: (line: string) => void;
}

export interface Demo {
  runtime: LocalRuntime;
  /** The values the admin types into each form; secrets only as the paths of the files that hold them. */
  onPrem: {
    serverUrl: string;
    userDirectory: string;
    serviceAccountUser: string;
    certificateHostName: string;
    repositoryPort: number;
    proxyApiPort: number;
    pfxFile: string;
    passwordFile: string;
    apps: number;
    streams: number;
    reloadTasks: number;
  };
  cloud: { tenantUrl: string; oauthClientFile: string; apps: number; spaces: number };
  reloads: DemoReloads;
  reloadIntervalSeconds: number;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? process.env.KPIMAILER_DEMO_DATA_DIR ?? '.kpimailer-demo');
  // The simulators get new ports and a new CA at each start, so settings saved by an earlier demo could never work.
  for (const entry of DEMO_ENTRIES) rmSync(join(dataDir, entry), { recursive: true, force: true });

  const qse = await startQlikSenseSimulator({ machineName: 'QLIKSERVER' });
  const onPremCatalog = seedOnPremCatalog(qse.state, qse.engine);
  const tenant = new TenantApps({ sharedSpaces: 0, managedSpaces: 0, personalShare: 0 });
  const cloudCatalog = seedCloudCatalog(tenant);
  const oauthClient = { clientId: randomBytes(16).toString('hex'), clientSecret: randomBytes(32).toString('hex') };
  const cloud = await startQlikCloudSimulator({
    clients: [oauthClient],
    routes: [...tenant.routes(), ...reportRoutes(new SimReports())],
  });
  setDefaultCloudClientOptions({ ca: cloud.caPem });

  let runtime: LocalRuntime;
  try {
    // The simulators listen on 127.0.0.1, which the destination policy refuses unless told (this process only).
    runtime = await startLocalRuntime({
      dataDir,
      env: { WEBHOOK_PUBLIC_URL: DEMO_WEBHOOK_URL, KPIMAILER_ALLOW_LOOPBACK_QLIK: 'true' },
    });
  } catch (error) {
    await Promise.allSettled([qse.close(), cloud.close()]);
    throw error;
  }
  const webIntegration = cloud.state.addWebIntegration([runtime.url], 'KPImailer demo');

  const pfxPassword = randomBytes(12).toString('base64url');
  const onPremDir = privateDirectory(join(dataDir, 'qlik-sense-enterprise'));
  const pfxFile = privateFile(
    join(onPremDir, 'client.pfx'),
    createClientPfx(qse.pki, 'legacy', { password: pfxPassword }),
  );
  const passwordFile = privateFile(join(onPremDir, 'client-pfx-password.txt'), `${pfxPassword}\n`);
  const cloudDir = privateDirectory(join(dataDir, 'qlik-cloud'));
  const oauthClientFile = privateFile(
    join(cloudDir, 'oauth-client.txt'),
    [
      `Tenant URL: ${cloud.url}`,
      `OAuth client ID: ${oauthClient.clientId}`,
      `OAuth client secret: ${oauthClient.clientSecret}`,
      `Web integration ID: ${webIntegration.id}`,
      '',
    ].join('\n'),
  );

  const intervalSeconds =
    options.reloadIntervalSeconds ?? (Number(process.env.KPIMAILER_DEMO_RELOAD_INTERVAL_SECONDS) || 60);
  const reloads = startDemoReloads({
    intervalMs: intervalSeconds * 1000,
    onPrem: { state: qse.state, reloadTasks: onPremCatalog.reloadTasks },
    cloud: {
      state: cloud.state,
      tenant,
      apps: cloudCatalog.apps,
      webhookUrl: DEMO_WEBHOOK_URL,
      deliverTo: `${runtime.url}${WEBHOOK_RECEIVER_PATH}`,
    },
    log,
  });

  return {
    runtime,
    onPrem: {
      serverUrl: qse.proxy.url,
      userDirectory: DEFAULT_SERVICE_ACCOUNT.userDirectory,
      serviceAccountUser: DEFAULT_SERVICE_ACCOUNT.userId,
      certificateHostName: qse.machineName,
      repositoryPort: qse.port,
      proxyApiPort: qse.proxy.apiPort,
      pfxFile,
      passwordFile,
      apps: onPremCatalog.apps,
      streams: onPremCatalog.streams,
      reloadTasks: onPremCatalog.reloadTasks.length,
    },
    cloud: { tenantUrl: cloud.url, oauthClientFile, apps: cloudCatalog.apps.length, spaces: cloudCatalog.spaces },
    reloads,
    reloadIntervalSeconds: intervalSeconds,
    close: async () => {
      await reloads.stop();
      await runtime.close();
      // A simulator that saw a request outside Qlik's specs says so when it closes: report it, close the other too.
      const closed = await Promise.allSettled([qse.close(), cloud.close()]);
      for (const outcome of closed) if (outcome.status === 'rejected') log(String(outcome.reason));
    },
  };
}

function privateDirectory(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/** Secrets the admin uploads or pastes: readable by their owner only, as the runtime's own key file is. */
function privateFile(path: string, content: string | Buffer): string {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
