/**
 * The stored shape of a server (one DynamoDB item per server id) and the secret payloads kept beside it in
 * Secrets Manager. The item holds no secret: only the ARN and version id of the secret that belongs to it.
 */
import type { CertificateMetadata } from '#lib/certificates/certificate-types.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** The `kpimailer` virtual proxy as the connection test left it; sessions through it need the cookie name. */
export interface ProvisionedVirtualProxy {
  id: string;
  prefix: string;
  /** Absent in state saved before ticket authentication; sessions then assume KPImailer's default name. */
  sessionCookieHeaderName?: string;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  durationMs: number;
}

export interface TestResult {
  ok: boolean;
  checks: CheckResult[];
}

export interface LastTest extends TestResult {
  at: string;
}

export interface LastSync {
  at: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt?: string;
  finishedAt?: string | null;
  added: number;
  updated: number;
  removed: number;
  total: number;
  error: string | null;
  progress?: { appsSeen: number; expected?: number } | null;
  /** Something the admin should know about a sync that still succeeded (e.g. removals skipped because Qlik's list moved). */
  warning?: string | null;
}

export interface SecretRef {
  arn: string;
  /** The exact version the settings were saved with; readers fetch this one, so a half-finished save is invisible. */
  versionId: string;
}

interface CommonSettings {
  displayName: string;
  url: string;
  maxParallelExecutions: number;
}

export interface OnPremSettings extends CommonSettings {
  userDirectory: string;
  serviceAccountUser: string;
  certificateHostName: string | null;
  allowUntrustedServerCertificate: boolean;
  repositoryPort: number;
  enginePort: number;
  /** The Qlik Proxy Service API (tickets); absent on records saved before it existed, read as 4243. */
  proxyApiPort?: number;
}

export interface CloudSettings extends CommonSettings {
  oauthClientId: string;
  webIntegrationId: string;
}

interface RecordBase {
  id: ServerId;
  version: number;
  createdAt: string;
  updatedAt: string;
  secret: SecretRef;
  /** `fingerprintOf` the saved configuration (an HMAC, config-fingerprint.ts): a test of the same configuration becomes its `lastTest`. */
  fingerprint: string;
}

export interface OnPremRecord extends RecordBase {
  type: 'onprem';
  settings: OnPremSettings;
  certificate: CertificateMetadata;
  rootCertificate: Pick<CertificateMetadata, 'subject' | 'notAfter'> | null;
  hasCertificatePassword: boolean;
}

export interface CloudRecord extends RecordBase {
  type: 'cloud';
  settings: CloudSettings;
  hasClientSecret: boolean;
}

/**
 * What the service learns while working with a server: test and sync results and the Qlik objects it
 * provisioned. Kept apart from the versioned settings so a sync or a test never races an admin's save, and
 * so provisioning done by a test before the first save has somewhere to live.
 */
export interface ServerState {
  lastTest: LastTest | null;
  /** The latest test of a draft; it becomes `lastTest` when settings with the same fingerprint are saved. */
  pendingTest: (LastTest & { fingerprint: string }) | null;
  lastSync: LastSync | null;
  virtualProxy: ProvisionedVirtualProxy | null;
  webhook: WebhookState | null;
  /**
   * The Qlik Cloud tenant the saved URL belongs to, learned from `/api/v1/users/me` by the reload monitor; the
   * webhook receiver refuses events of any other tenant. `url` says which settings it was learned for.
   */
  tenant?: { id: string; url: string } | null;
  /**
   * What connection tests learned and provisioned in each Qlik Cloud tenant they reached, by tenant origin. A test
   * of a draft for another tenant records here only, so the saved tenant's `tenant` and `webhook` stay as they are;
   * saving that draft adopts its entry.
   */
  cloudTenants?: Record<string, TestedCloudTenant> | null;
}

export interface TestedCloudTenant {
  /** Qlik's tenant id, or null when `/users/me` did not say. */
  id: string | null;
  webhook: WebhookState | null;
  at: string;
}

export const EMPTY_SERVER_STATE: ServerState = {
  lastTest: null,
  pendingTest: null,
  lastSync: null,
  virtualProxy: null,
  webhook: null,
};

export interface WebhookState {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
  url: string;
}

export type ServerRecord = OnPremRecord | CloudRecord;

/** Secrets Manager payload of the on-premise server. */
export interface OnPremSecret {
  kind: 'onprem';
  pfxBase64: string;
  certificateFileName: string;
  certificatePassword: string | null;
  keyPem: string;
  certPem: string;
  caPems: string[];
  rootCertificatePem: string | null;
}

/** Secrets Manager payload of the Qlik Cloud server. */
export interface CloudSecret {
  kind: 'cloud';
  clientSecret: string;
}

/** The signing secret of one reload webhook, with the one it replaced while a rotation settles. */
export interface WebhookSigningKeys {
  secret: string;
  /** Still accepted until `previousUntil`. */
  previous: string | null;
  previousUntil: string | null;
}

/**
 * The signing secrets of the Qlik Cloud reload webhooks, one per tenant a webhook was provisioned in (a test of a
 * draft for another tenant provisions there too, and must not re-key the saved tenant's webhook). A secret of its
 * own so the webhook receiver can read it without being able to read the OAuth client secret.
 *
 * The top-level keys are the single secret of deployments from before per-tenant secrets: any tenant without an
 * entry of its own still uses them, so an upgrade re-keys nothing.
 */
export interface WebhookSigningSecret extends Partial<WebhookSigningKeys> {
  kind: 'webhook';
  /** By tenant key (`tenantKeyOf`: Qlik's tenant id, or the tenant origin when Qlik did not say). */
  tenants?: Record<string, WebhookSigningKeys & { updatedAt: string }>;
}

/** The deployment's key for configuration fingerprints (config-fingerprint.ts). */
export interface FingerprintKey {
  kind: 'fingerprint-key';
  /** 32 random bytes, base64. */
  key: string;
}

export type ServerSecret = OnPremSecret | CloudSecret;
export type StoredSecret = ServerSecret | WebhookSigningSecret | FingerprintKey;
/** One Secrets Manager secret per name. */
export type SecretName = ServerId | 'cloud-webhook' | 'fingerprint-key';
