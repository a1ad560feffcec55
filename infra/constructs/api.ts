import { Names, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  type HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AdminAuth } from './auth.ts';
import { LOG_RETENTION } from './functions.ts';

// An admin API used by a handful of people: these limits leave room for the UI's parallel requests while keeping a
// leaked token or a runaway client from turning into a flood of Qlik calls.
const THROTTLE = { rateLimit: 20, burstLimit: 40 };

/** The scope every access token from managed login carries (the page asks for `openid email`). */
const ADMIN_SCOPE = 'openid';

// One JSON object per request. `user` is the Cognito subject of the caller (empty on the public routes).
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    method: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    user: '$context.authorizer.claims.sub',
  }),
);

export interface AdminApiProps {
  readonly auth: AdminAuth;
}

/**
 * The HTTP API in front of the admin UI and the settings functions.
 *
 * Every route requires a Cognito JWT by default (the API's default authorizer), so a route added later is protected
 * unless it is registered through {@link AdminApi.addPublicRoute}, which demands a written reason.
 */
export class AdminApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'KPImailer Qlik connectivity: admin UI and settings API',
      createDefaultStage: false,
      defaultAuthorizer: new HttpJwtAuthorizer('CognitoJwt', props.auth.issuerUrl, {
        jwtAudience: [props.auth.client.userPoolClientId],
      }),
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION });

    // Created by hand because HttpApi's own default stage takes neither access logging nor throttling.
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /** The base URL of the API, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * A route that needs a valid admin JWT (the default authorizer). Requiring the `openid` scope turns away ID tokens:
   * API Gateway checks `aud` or `client_id`, and a Cognito ID token has the client as `aud` but no `scope` claim.
   */
  addRoute(path: string, methods: HttpMethod[], handler: IFunction): void {
    this.httpApi.addRoutes({
      path,
      methods,
      integration: this.integrationFor(handler),
      authorizationScopes: [ADMIN_SCOPE],
    });
  }

  /**
   * A route anyone may call. Only for content that is public by nature (the admin page shell and its static assets);
   * the reason is recorded as the cdk-nag acknowledgement of AwsSolutions-APIG4 on the route.
   */
  addPublicRoute(path: string, methods: HttpMethod[], handler: IFunction, reason: string): void {
    const routes = this.httpApi.addRoutes({
      path,
      methods,
      integration: this.integrationFor(handler),
      authorizer: new HttpNoneAuthorizer(),
    });
    for (const route of routes) {
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }

  // One integration per function, shared by all of its routes.
  private integrationFor(handler: IFunction): HttpLambdaIntegration {
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${Names.uniqueId(handler)}Integration`, handler);
      this.integrations.set(handler, integration);
    }
    return integration;
  }
}
