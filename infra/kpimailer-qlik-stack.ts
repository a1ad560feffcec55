import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { HTTP_ROUTES, type HttpFunctionName } from '#lib/api/routes.ts';
import { AdminApi } from './constructs/api.ts';
import { AdminAuth } from './constructs/auth.ts';
import { grantOwnItems, ITEM_WRITE_ACTIONS, leaseKey, SERVER_STATE_KEYS, ServiceTables } from './constructs/data.ts';
import { Extractions } from './constructs/extractions.ts';
import { ServiceFunction } from './constructs/functions.ts';
import { ReloadEvents } from './constructs/reload-events.ts';
import { OperatorAlarms } from './constructs/operator-alarms.ts';
import { ScheduledSync, type ScheduledSyncProps } from './constructs/scheduled-sync.ts';
import { ServerSecrets } from './constructs/secrets.ts';

/**
 * The KPImailer Qlik connectivity service: admin UI, settings API and connection test behind a Cognito-protected
 * HTTP API, with the settings and the app catalog in DynamoDB and the Qlik credentials in Secrets Manager.
 *
 * Env-agnostic on purpose (no account or region, no lookups) so `cdk synth` runs offline without credentials.
 * Each concern is one construct; the later capabilities (webhook receiver, scheduled sync, extraction queues) are
 * added the same way, each granted only what it uses.
 */
export interface KpimailerQlikStackProps extends StackProps {
  /** When the app catalogs are synced. @default every hour */
  readonly appSyncSchedule?: ScheduledSyncProps['schedule'];
  /** Reserved concurrency of the public webhook receiver (`-c webhookReceiverConcurrency=<n>`). @default 10 */
  readonly webhookReceiverConcurrency?: number;
  /** Where operator alarms are mailed (`-c alarmEmail=...`). @default no subscription */
  readonly alarmEmail?: string;
  /** A custom domain the admin page is also served on (e.g. `qlik-admin.example.com`); Cognito returns there too. */
  readonly adminDomainName?: string;
}

export class KpimailerQlikStack extends Stack {
  readonly tables: ServiceTables;
  readonly secrets: ServerSecrets;
  readonly auth: AdminAuth;
  readonly api: AdminApi;
  readonly settingsApi: ServiceFunction;
  readonly testConnection: ServiceFunction;
  readonly adminUi: ServiceFunction;
  readonly reloadEvents: ReloadEvents;
  readonly scheduledSync: ScheduledSync;
  readonly alarms: OperatorAlarms;
  readonly extractions: Extractions;

  constructor(scope: Construct, id: string, props?: KpimailerQlikStackProps) {
    super(scope, id, {
      description: 'KPImailer Qlik connectivity: Qlik server settings, connection tests and app catalog',
      ...props,
    });

    this.tables = new ServiceTables(this, 'Tables');
    this.secrets = new ServerSecrets(this, 'Secrets');
    this.auth = new AdminAuth(this, 'AdminAuth', {
      appUrls: () => [this.api.url, ...(props?.adminDomainName ? [`https://${props.adminDomainName}/`] : [])],
    });
    this.api = new AdminApi(this, 'AdminApi', { auth: this.auth });

    const stateEnvironment = { ...this.tables.environment, ...this.secrets.environment };

    this.settingsApi = new ServiceFunction(this, 'SettingsApi', {
      name: 'settings-api',
      description: 'Reads and saves the Qlik server settings, lists apps and reloads, starts a catalog sync',
      // A save parses a PKCS#12 file and writes a secret and an item: well inside API Gateway's 30 s.
      timeout: Duration.seconds(15),
      environment: stateEnvironment,
    });
    // Not the webhook signing secrets: only provisioning (test connection, reload monitor) may re-key a webhook.
    this.secrets.grantManage(this.settingsApi.function, ['onprem', 'cloud']);
    this.secrets.grantReadWrite(this.settingsApi.function, ['fingerprint-key']);
    this.tables.servers.grantReadWriteData(this.settingsApi.function);
    this.tables.grantAuditAppend(this.settingsApi.function);
    this.tables.grantAuditRead(this.settingsApi.function);
    this.tables.apps.grantReadWriteData(this.settingsApi.function);

    this.testConnection = new ServiceFunction(this, 'TestConnection', {
      name: 'test-connection',
      description: 'Tests draft Qlik connection settings and provisions the virtual proxy or the reload webhook',
      // Just under API Gateway's 30 s integration limit, so the function answers before the gateway gives up.
      timeout: Duration.seconds(29),
      environment: {
        ...stateEnvironment,
        // The admin page's origin, checked against the Qlik Cloud web integration's allowed origins.
        KPIMAILER_PUBLIC_URL: this.api.url,
      },
    });
    this.secrets.grantRead(this.testConnection.function, ['onprem', 'cloud']);
    // Provisioning the Qlik Cloud webhook creates (or re-keys) its signing secret; a test stores its fingerprint.
    this.secrets.grantReadWrite(this.testConnection.function, ['cloud-webhook', 'fingerprint-key']);
    // It reads the settings and writes only the state items and its provisioning lease.
    this.tables.servers.grantReadData(this.testConnection.function);
    grantOwnItems(this.tables.servers, this.testConnection.function, ITEM_WRITE_ACTIONS, [
      ...SERVER_STATE_KEYS,
      leaseKey('cloud-webhook-provisioning'),
    ]);
    this.tables.grantAuditAppend(this.testConnection.function);

    this.reloadEvents = new ReloadEvents(this, 'ReloadEvents', {
      tables: this.tables,
      secrets: this.secrets,
      receiverConcurrency: props?.webhookReceiverConcurrency,
    });
    // The connection test provisions the webhook at the receiver's function URL; the settings API lists reloads.
    this.testConnection.addEnvironment({ WEBHOOK_PUBLIC_URL: this.reloadEvents.webhookUrl });
    this.settingsApi.addEnvironment(this.reloadEvents.historyEnvironment);
    this.reloadEvents.grantHistoryRead(this.settingsApi.function);

    this.scheduledSync = new ScheduledSync(this, 'AppSync', {
      tables: this.tables,
      secrets: this.secrets,
      schedule: props?.appSyncSchedule,
    });
    this.scheduledSync.grantStart(this.settingsApi);

    this.extractions = new Extractions(this, 'Extractions', { tables: this.tables, secrets: this.secrets });
    this.extractions.grantApi(this.settingsApi);

    this.adminUi = new ServiceFunction(this, 'AdminUi', {
      name: 'admin-ui',
      description: 'Serves the admin page and its static assets',
      timeout: Duration.seconds(5),
      memorySize: 256,
      // The handler serves the built page from `./admin-ui` next to its bundle.
      afterBundling: (inputDir, outputDir) => [
        `npx --no-install tsx "${inputDir}/infra/build-admin-ui-asset.ts" "${outputDir}/admin-ui"`,
      ],
      // What the page needs to sign an admin in (served as config.json, and the CSP's one other origin); none of it is secret.
      environment: this.auth.pageEnvironment,
    });

    // Every route of lib/api/routes.ts, sent to the function the table names (the local runtime reads the same table).
    const routeTargets: Record<HttpFunctionName, IFunction> = {
      'settings-api': this.settingsApi.function,
      'test-connection': this.testConnection.function,
      'admin-ui': this.adminUi.function,
      'webhook-receiver': this.reloadEvents.receiver.function,
    };
    this.alarms = new OperatorAlarms(this, 'Alarms', { email: props?.alarmEmail });
    this.alarms.watchFunction('SettingsApi', this.settingsApi.function);
    this.alarms.watchFunction('TestConnection', this.testConnection.function);
    this.alarms.watchFunction('AdminUi', this.adminUi.function);
    this.alarms.watchFunction('WebhookReceiver', this.reloadEvents.receiver.function);
    this.alarms.watchFunction('ReloadMonitor', this.reloadEvents.monitor.function);
    this.alarms.watchFunction('ScheduledSync', this.scheduledSync.sync.function);
    this.alarms.watchFunction('ExtractionWorker', this.extractions.worker.function);
    this.alarms.watchFunction('AccessTokenClaims', this.auth.accessTokenClaims.function);
    // The extraction queues' alarms (dead letters, oldest message per server) go to the same operator topic.
    for (const alarm of this.extractions.alarms) this.alarms.notify(alarm);

    const publicPage =
      'The admin page shell, its static assets and its sign-in settings (issuer, public client id, managed login ' +
      'endpoints) carry no data and no secret; the browser must load them before it can sign in. Every /api route ' +
      'they call requires a Cognito JWT (the API default authorizer).';
    for (const route of HTTP_ROUTES) {
      const target = routeTargets[route.function];
      if (route.auth === 'admin') this.api.addRoute(route.path, [HttpMethod[route.method]], target);
      if (route.auth === 'public') this.api.addPublicRoute(route.path, [HttpMethod[route.method]], target, publicPage);
      // 'qlik-signature': the receiver's own function URL (ReloadEvents), which Qlik Cloud posts to at this path.
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the admin UI and API' });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId, description: 'Admin user pool' });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.auth.client.userPoolClientId,
      description: 'Admin UI app client (JWT audience)',
    });
    new CfnOutput(this, 'SignInUrl', {
      value: this.auth.signInBaseUrl,
      description: 'Cognito managed login domain of the admins',
    });
  }
}
