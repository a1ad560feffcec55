import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ROUTES, routeKey, type HttpFunctionName } from '#lib/api/routes.ts';
import { buildStack } from '../../infra/app.ts';
import {
  CDK_JSON_CONTEXT,
  type CfnResourceJson,
  SKIP_BUNDLING,
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

// The stack serves the route table (lib/api/routes.ts): its API Gateway lines, by auth.
const gatewayRoutes = HTTP_ROUTES.filter((route) => route.auth !== 'qlik-signature');
const ADMIN_ROUTES: string[] = gatewayRoutes.filter((route) => route.auth === 'admin').map(routeKey);
const PUBLIC_ROUTES: string[] = gatewayRoutes.filter((route) => route.auth === 'public').map(routeKey);

function routes() {
  return resourcesOfType(synthesized.resources, 'AWS::ApiGatewayV2::Route').map(([, route]) => ({
    key: route.Properties?.RouteKey as string,
    authorizationType: route.Properties?.AuthorizationType as string | undefined,
    authorizerId: route.Properties?.AuthorizerId,
    scopes: route.Properties?.AuthorizationScopes as string[] | undefined,
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
    expect(keys.sort()).toEqual([...ADMIN_ROUTES, ...PUBLIC_ROUTES].sort());
    expect(keys).toEqual(
      expect.arrayContaining(['GET /api/servers', 'PUT /api/servers/{id}', 'POST /api/servers/{id}/test', 'GET /']),
    );
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
      // An ID token carries no scope: requiring one refuses it, as the local OIDC mode's token_use check does.
      expect(route.scopes, route.key).toEqual(['openid']);
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
    const functions: Partial<Record<HttpFunctionName, IConstruct>> = {
      'settings-api': stack.settingsApi.function,
      'test-connection': stack.testConnection.function,
      'admin-ui': stack.adminUi.function,
    };
    const expected = new Map<string, string>(
      gatewayRoutes.map((route) => [routeKey(route), logicalIdOf(functions[route.function]!)]),
    );

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

  it('gives the browser a public client without a secret: authorization code (PKCE) through managed login only', () => {
    // Prepare
    const { resource: client } = onlyResourceOfType(synthesized.resources, 'AWS::Cognito::UserPoolClient');
    const apiUrl = `https://<${logicalIdOf(synthesized.stack.api.httpApi)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/`;

    // Assess
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      SupportedIdentityProviders: ['COGNITO'],
      EnableTokenRevocation: true,
    });
    expect((client.Properties?.CallbackURLs as unknown[]).map(flatten)).toEqual([apiUrl]);
    expect((client.Properties?.LogoutURLs as unknown[]).map(flatten)).toEqual([apiUrl]);
  });

  it('also returns admins to a custom domain given as context', () => {
    const app = new App({
      context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, adminDomainName: 'qlik-admin.example.com' },
    });
    const client = Template.fromStack(buildStack(app)).findResources('AWS::Cognito::UserPoolClient');
    const [properties] = Object.values(client).map((resource) => (resource as CfnResourceJson).Properties);
    expect((properties?.CallbackURLs as unknown[]).map(flatten)).toContain('https://qlik-admin.example.com/');
    expect((properties?.LogoutURLs as unknown[]).map(flatten)).toContain('https://qlik-admin.example.com/');
  }, 180_000);

  it('hosts managed login (the newer version) on a Cognito domain, with a branding style for the client', () => {
    const { auth } = synthesized.stack;
    const { resource: domain } = onlyResourceOfType(synthesized.resources, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2 });
    expect(flatten(domain.Properties?.UserPoolId)).toBe(`<${logicalIdOf(auth.userPool)}>`);
    expect(flatten(domain.Properties?.Domain)).toMatch(/^kpimailer-/);
    const { resource: branding } = onlyResourceOfType(synthesized.resources, 'AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toMatchObject({ UseCognitoProvidedValues: true });
    expect(flatten(branding.Properties?.ClientId)).toBe(`<${logicalIdOf(auth.client)}>`);
    expect(flatten(branding.Properties?.UserPoolId)).toBe(`<${logicalIdOf(auth.userPool)}>`);
  });

  it("puts the admin's e-mail in access tokens through a V2 pre token generation trigger", () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack.auth.accessTokenClaims.function), 'Arn'] },
          LambdaVersion: 'V2_0',
        },
      },
    });
  });

  it('publishes the API URL, the user pool id, the client id and the sign-in domain', () => {
    const outputs = synthesized.template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'SignInUrl', 'UserPoolClientId', 'UserPoolId']);
  });
});
