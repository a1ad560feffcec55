import { Aws, Duration, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolOperation,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { SIGN_IN_ENV } from '../../lib/admin-ui/sign-in-config.ts';
import { ServiceFunction } from './functions.ts';

export interface AdminAuthProps {
  /**
   * The admin page's URLs (each ending in `/`): where Cognito returns after sign-in and after sign-out. Resolved
   * lazily, because the API (whose URL this is) needs the client first for its authorizer's audience.
   */
  readonly appUrls: () => string[];
}

/**
 * Who may call the admin API: a Cognito user pool of KPImailer administrators, created by an operator (no self
 * sign-up), with a strong password, TOTP MFA required, and Cognito's threat protection enforcing. Admins sign in
 * through Cognito's managed login (authorization code with PKCE, public client) on the pool's domain.
 *
 * The admins hold the keys to Qlik (the on-premise certificate is a RootAdmin-capable service identity), so the
 * pool gets the Plus feature plan (threat protection, compromised-credential checks) rather than a suppression.
 */
export class AdminAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly branding: CfnManagedLoginBranding;
  /** Puts the admin's e-mail in the access token (the audit trail's actor name). */
  readonly accessTokenClaims: ServiceFunction;
  /** The `iss` of the pool's tokens, for the API's JWT authorizer. */
  readonly issuerUrl: string;
  /** The managed login domain's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  readonly signInBaseUrl: string;

  constructor(scope: Construct, id: string, props: AdminAuthProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      signInCaseSensitive: false,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // API Gateway passes functions the access token's claims, and Cognito's access token names a user only by an
    // opaque username in a pool that signs in by e-mail: this trigger (V2, Plus plan) adds the e-mail.
    this.accessTokenClaims = new ServiceFunction(this, 'AccessTokenClaims', {
      name: 'access-token-claims',
      description: "Adds the admin's e-mail to Cognito access tokens (the audit trail's actor)",
      timeout: Duration.seconds(5),
      memorySize: 256,
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.accessTokenClaims.function,
      LambdaVersion.V2_0,
    );

    // A public client for the admin page: no secret (it runs in the browser); authorization code with PKCE through
    // managed login, nothing else (no implicit grant, no password flows); short-lived tokens, revocable.
    this.client = this.userPool.addClient('AdminUiClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: Lazy.list({ produce: () => props.appUrls() }),
        logoutUrls: Lazy.list({ produce: () => props.appUrls() }),
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    // The prefix is global per region: the stack id's first UUID group keeps two stacks (or accounts) apart.
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['kpimailer', Fn.select(0, Fn.split('-', stackUuid))]) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login shows "Login pages unavailable" for a client without a branding style; Cognito's defaults do.
    this.branding = new CfnManagedLoginBranding(this, 'ManagedLoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.issuerUrl = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
    this.signInBaseUrl = this.domain.baseUrl();
  }

  /** What the admin-ui function serves the page as `config.json` (lib/admin-ui/sign-in-config.ts). */
  get pageEnvironment(): Record<string, string> {
    return {
      [SIGN_IN_ENV.issuer]: this.issuerUrl,
      [SIGN_IN_ENV.clientId]: this.client.userPoolClientId,
      [SIGN_IN_ENV.authorizationEndpoint]: `${this.signInBaseUrl}/oauth2/authorize`,
      [SIGN_IN_ENV.tokenEndpoint]: `${this.signInBaseUrl}/oauth2/token`,
      [SIGN_IN_ENV.revocationEndpoint]: `${this.signInBaseUrl}/oauth2/revoke`,
      [SIGN_IN_ENV.logoutEndpoint]: `${this.signInBaseUrl}/logout`,
      [SIGN_IN_ENV.logoutRedirectParameter]: 'logout_uri',
    };
  }
}
