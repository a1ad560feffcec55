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
  /** `fingerprintOf` the saved configuration: a test of the same configuration becomes its `lastTest`. */
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

/**
 * The signing secret of the Qlik Cloud reload webhook. It is a secret of its own so the webhook receiver can
 * read it without being able to read the OAuth client secret.
 */
export interface WebhookSigningSecret {
  kind: 'webhook';
  secret: string;
  /** Still accepted until `previousUntil` while a rotation settles. */
  previous: string | null;
  previousUntil: string | null;
}

export type ServerSecret = OnPremSecret | CloudSecret;
export type StoredSecret = ServerSecret | WebhookSigningSecret;
/** One Secrets Manager secret per name. */
export type SecretName = ServerId | 'cloud-webhook';
