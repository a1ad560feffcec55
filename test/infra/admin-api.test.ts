import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SynthesizedStack,
  flatten,
  logicalIdOf,
  onlyResourceOfType,
  resourcesOfType,
  synthesizeStack,
} from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

const API_ROUTES_TO_SETTINGS = [
  'GET /api/servers',
  'GET /api/servers/{id}',
  'PUT /api/servers/{id}',
  'DELETE /api/servers/{id}',
  'GET /api/openapi.json',
  'GET /api/servers/{id}/apps',
  'POST /api/servers/{id}/sync',
  'GET /api/servers/{id}/reloads',
];
const API_ROUTES_TO_TEST_CONNECTION = ['POST /api/servers/{id}/test'];
const PUBLIC_ROUTES = ['GET /', 'GET /assets/{proxy+}'];

function routes() {
  return resourcesOfType(synthesized.resources, 'AWS::ApiGatewayV2::Route').map(([, route]) => ({
    key: route.Properties?.RouteKey as string,
    authorizationType: route.Properties?.AuthorizationType as string | undefined,
    authorizerId: route.Properties?.AuthorizerId,
    target: flatten(route.Properties?.Target),
  }));
}

/** The function logical id an integration (`integrations/<id>`) invokes. */
function functionBehind(target: string): string {
  const integrationId = /^integrations\/<(.+)>$/.exec(target)?.[1] ?? '';
  const integration = synthesized.resources[integrationId];
  return flatten(integration?.Properties?.IntegrationUri).replace(/^<(.+)\.Arn>$/, '$1');
}

describe('admin HTTP API routes', () => {
  it('exposes exactly the contract routes, and nothing else', () => {
    // Act
    const keys = routes().map((route) => route.key);

    // Assess
    expect(keys.sort()).toEqual([...API_ROUTES_TO_SETTINGS, ...API_ROUTES_TO_TEST_CONNECTION, ...PUBLIC_ROUTES].sort());
  });

  it('requires the Cognito JWT authorizer on every /api route', () => {
    // Prepare
    const { id: authorizerId } = onlyResourceOfType(synthesized.resources, 'AWS::ApiGatewayV2::Authorizer');
    const apiRoutes = routes().filter((route) => route.key.includes(' /api'));

    // Assess
    expect(apiRoutes.length).toBeGreaterThan(0);
    for (const route of apiRoutes) {
      expect(route.authorizationType, route.key).toBe('JWT');
      expect(flatten(route.authorizerId), route.key).toBe(`<${authorizerId}>`);
    }
  });

  it('serves the page shell and its assets without the authorizer', () => {
    for (const route of routes().filter((candidate) => PUBLIC_ROUTES.includes(candidate.key))) {
      expect(route.authorizationType, route.key).toBe('NONE');
      expect(route.authorizerId, route.key).toBeUndefined();
    }
  });

  it('leaves no route other than the page shell and assets public', () => {
    const publicKeys = routes()
      .filter((route) => route.authorizationType !== 'JWT')
      .map((route) => route.key);
    expect(publicKeys.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('sends each route to its function', () => {
    // Prepare
    const { stack } = synthesized;
    const expected = new Map<string, string>([
      ...API_ROUTES_TO_SETTINGS.map((key) => [key, logicalIdOf(stack.settingsApi.function)] as const),
      ...API_ROUTES_TO_TEST_CONNECTION.map((key) => [key, logicalIdOf(stack.testConnection.function)] as const),
      ...PUBLIC_ROUTES.map((key) => [key, logicalIdOf(stack.adminUi.function)] as const),
    ]);

    // Assess
    for (const route of routes()) expect(functionBehind(route.target), route.key).toBe(expected.get(route.key));
  });

  it('validates tokens issued by the admin user pool for the admin UI client', () => {
    // Prepare
    const { stack } = synthesized;
    const { resource: authorizer } = onlyResourceOfType(synthesized.resources, 'AWS::ApiGatewayV2::Authorizer');
    const jwt = authorizer.Properties?.JwtConfiguration as { Issuer: unknown; Audience: unknown[] };

    // Assess
    expect(authorizer.Properties?.AuthorizerType).toBe('JWT');
    expect(flatten(jwt.Issuer)).toBe(
      `https://cognito-idp.<AWS::Region>.<AWS::URLSuffix>/<${logicalIdOf(stack.auth.userPool)}>`,
    );
    expect(jwt.Audience.map(flatten)).toEqual([`<${logicalIdOf(stack.auth.client)}>`]);
  });
});

describe('admin HTTP API stage', () => {
  it('writes JSON access logs to a log group with retention', () => {
    // Prepare
    const { resource: stage } = onlyResourceOfType(synthesized.resources, 'AWS::ApiGatewayV2::Stage');
    const settings = stage.Properties?.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logGroupId = flatten(settings.DestinationArn).replace(/^<(.+)\.Arn>$/, '$1');

    // Assess
    expect(stage.Properties?.StageName).toBe('$default');
    expect(JSON.parse(settings.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(synthesized.resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
    expect(synthesized.resources[logGroupId]?.Properties?.RetentionInDays).toBeGreaterThan(0);
  });

  it('throttles every route by default', () => {
    const { resource: stage } = onlyResourceOfType(synthesized.resources, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties?.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 });
  });
});

describe('admin user pool', () => {
  it('admits only operator-created users with a strong password and TOTP MFA', () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  it('enforces Cognito threat protection (Plus feature plan)', () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('gives the browser a public client without a secret, signing in by SRP', () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('publishes the API URL, the user pool id and the client id', () => {
    const outputs = synthesized.template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'UserPoolClientId', 'UserPoolId']);
  });
});
