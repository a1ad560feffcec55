import { signInConfigFromEnv, signInOrigin } from '../../lib/admin-ui/sign-in-config.ts';
import { contentSecurityPolicy } from '../../lib/admin-ui/static-assets.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedStack, flatten, logicalIdOf, resourcesOfType, synthesizeStack } from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

function functions() {
  return resourcesOfType(synthesized.resources, 'AWS::Lambda::Function');
}

function environmentOf(fn: 'settingsApi' | 'testConnection' | 'adminUi'): Record<string, string> {
  const properties = synthesized.resources[logicalIdOf(synthesized.stack[fn].function)]?.Properties;
  const variables = (properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]));
}

describe('Lambda functions', () => {
  it('deploys the admin UI, the settings API, the connection test, the two reload-event functions, the scheduled sync, the access token trigger and the extraction worker', () => {
    // The only function URL is the webhook receiver's: auth NONE, because the Qlik-Signature HMAC authenticates each
    // delivery (test/infra/reload-events.test.ts).
    expect(functions()).toHaveLength(8);
    expect(
      resourcesOfType(synthesized.resources, 'AWS::Lambda::Url').map(([, url]) => url.Properties?.AuthType),
    ).toEqual(['NONE']);
  });

  it('runs every function on Node.js 24 on arm64 with active tracing', () => {
    for (const [id, fn] of functions()) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('gives every function its own log group with retention', () => {
    const logGroups = new Set<string>();
    for (const [id, fn] of functions()) {
      const logGroup = flatten((fn.Properties?.LoggingConfig as { LogGroup: unknown }).LogGroup).replace(/^<|>$/g, '');
      expect(synthesized.resources[logGroup]?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(synthesized.resources[logGroup]?.Properties?.RetentionInDays, id).toBeGreaterThan(0);
      logGroups.add(logGroup);
    }
    expect(logGroups.size).toBe(functions().length);
  });

  it('stops the connection test just before API Gateway gives up at 30 s', () => {
    const properties = synthesized.resources[logicalIdOf(synthesized.stack.testConnection.function)]?.Properties;
    expect(properties?.Timeout).toBe(29);
  });

  it('keeps every function timeout under the 30 s API Gateway integration limit', () => {
    // The scheduled sync runs behind EventBridge and asynchronous invokes, the extraction worker behind SQS: never
    // behind the API (scheduled-sync.test.ts, extractions.test.ts).
    const offline = [
      logicalIdOf(synthesized.stack.scheduledSync.sync.function),
      logicalIdOf(synthesized.stack.extractions.worker.function),
    ];
    for (const [id, fn] of functions())
      if (!offline.includes(id)) expect(fn.Properties?.Timeout as number, id).toBeLessThan(30);
  });

  it('tells the state-owning functions where the tables and secrets are', () => {
    const { tables, secrets } = synthesized.stack;
    for (const fn of ['settingsApi', 'testConnection'] as const) {
      // The reload events' variables are checked in reload-events.test.ts.
      // The extraction variables are checked in extractions.test.ts.
      const {
        KPIMAILER_PUBLIC_URL: _publicUrl,
        WEBHOOK_PUBLIC_URL: _webhookUrl,
        RELOAD_EVENTS_TABLE_NAME: _reloads,
        SCHEDULED_SYNC_FUNCTION_NAME: _sync,
        EXECUTIONS_TABLE_NAME: _executions,
        RESULTS_BUCKET_NAME: _results,
        EXTRACTION_QUEUE_URLS: _queues,
        EXTRACTION_DLQ_URLS: _dlqs,
        EXTRACTION_MAPPING_IDS: _mappings,
        ...environment
      } = environmentOf(fn);
      expect(environment, fn).toEqual({
        POWERTOOLS_SERVICE_NAME: 'kpimailer-qlik',
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        SERVERS_TABLE_NAME: `<${logicalIdOf(tables.servers)}>`,
        APPS_TABLE_NAME: `<${logicalIdOf(tables.apps)}>`,
        AUDIT_TABLE_NAME: `<${logicalIdOf(tables.audit)}>`,
        SECRET_NAME_PREFIX: 'kpimailer/KpimailerQlik',
        SECRETS_KMS_KEY_ID: `<${logicalIdOf(secrets.key)}.Arn>`,
      });
    }
  });

  it("tells the connection test the admin page's public URL (its origin, for the web integration check)", () => {
    const apiId = logicalIdOf(synthesized.stack.api.httpApi);
    expect(environmentOf('testConnection').KPIMAILER_PUBLIC_URL).toBe(
      `https://<${apiId}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/`,
    );
    expect(environmentOf('settingsApi').KPIMAILER_PUBLIC_URL).toBeUndefined();
  });

  it('tells the admin UI only how to sign an admin in: the pool as issuer, the client, managed login endpoints', () => {
    const { auth } = synthesized.stack;
    const domain = `https://<${logicalIdOf(auth.domain)}>.auth.<AWS::Region>.amazoncognito.com`;
    expect(environmentOf('adminUi')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'kpimailer-qlik',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      ADMIN_SIGN_IN_ISSUER: `https://cognito-idp.<AWS::Region>.<AWS::URLSuffix>/<${logicalIdOf(auth.userPool)}>`,
      ADMIN_SIGN_IN_CLIENT_ID: `<${logicalIdOf(auth.client)}>`,
      ADMIN_SIGN_IN_AUTHORIZATION_ENDPOINT: `${domain}/oauth2/authorize`,
      ADMIN_SIGN_IN_TOKEN_ENDPOINT: `${domain}/oauth2/token`,
      ADMIN_SIGN_IN_REVOCATION_ENDPOINT: `${domain}/oauth2/revoke`,
      ADMIN_SIGN_IN_LOGOUT_ENDPOINT: `${domain}/logout`,
      ADMIN_SIGN_IN_LOGOUT_REDIRECT_PARAMETER: 'logout_uri',
    });
  });

  it("lets the page's CSP reach exactly the managed login domain", () => {
    // Prepare: the admin-ui function builds its CSP from what the stack tells it; CloudFormation references become
    // host names here (`<Domain>` -> `domain`) so the values parse as URLs.
    const asHost = (value: string) =>
      value.replace(/<([^>]+)>/g, (_, id: string) => id.toLowerCase().replace(/[^a-z0-9]/g, ''));
    const environment = Object.fromEntries(
      Object.entries(environmentOf('adminUi')).map(([name, value]) => [name, asHost(value)]),
    );
    const domain = asHost(
      `https://<${logicalIdOf(synthesized.stack.auth.domain)}>.auth.<AWS::Region>.amazoncognito.com`,
    );

    // Act
    const csp = contentSecurityPolicy(signInOrigin(signInConfigFromEnv(environment)));

    // Assess
    expect(csp.split('; ')).toContain(`connect-src 'self' ${domain}`);
    expect(csp).not.toContain('cognito-idp');
  });
});
