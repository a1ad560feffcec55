/**
 * The shapes the admin page reads from the HTTP API (see the HTTP contract). They are declared here, not
 * imported from the service code, so the browser bundle never pulls in server modules.
 */
export type ServerId = 'onprem' | 'cloud';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  durationMs?: number;
}

export interface TestResult {
  ok: boolean;
  checks: CheckResult[];
  /** Problems that do not fail the test (e.g. the web integration lacks this page's origin). */
  warnings?: string[];
}

export interface LastSync {
  at: string;
  status: 'running' | 'succeeded' | 'failed';
  added: number;
  updated: number;
  removed: number;
  total: number;
  error: string | null;
  progress?: { appsSeen: number; expected?: number } | null;
}

export interface CertificateView {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
}

interface ServerViewBase {
  id: ServerId;
  configured: boolean;
  displayName: string | null;
  url: string | null;
  maxParallelExecutions: number | null;
  lastTest: (TestResult & { at: string }) | null;
  lastSync: LastSync | null;
  version: number | null;
}

export interface OnPremServerView extends ServerViewBase {
  type: 'onprem';
  userDirectory: string | null;
  serviceAccountUser: string | null;
  hasCertificatePassword: boolean;
  certificate: CertificateView | null;
  rootCertificate: { subject: string; notAfter: string } | null;
  certificateHostName: string | null;
  allowUntrustedServerCertificate: boolean;
  repositoryPort: number | null;
  enginePort: number | null;
  virtualProxy: { id: string; prefix: string } | null;
}

export interface CloudServerView extends ServerViewBase {
  type: 'cloud';
  oauthClientId: string | null;
  webIntegrationId: string | null;
  hasClientSecret: boolean;
  webhook: { id: string; enabled: boolean; disabledReason: string | null } | null;
}

export type ServerView = OnPremServerView | CloudServerView;

export interface NamedRef {
  id: string;
  name: string;
}

export interface RepositoryApp {
  id: string;
  name: string;
  stream?: NamedRef | null;
  space?: NamedRef | null;
  owner: string | null;
  published: boolean;
  publishTime: string | null;
  lastReload: { at: string; status: 'succeeded' | 'failed' | 'canceled' | 'unknown' } | null;
  modifiedAt: string | null;
  syncedAt: string | null;
}

export interface AppPage {
  apps: RepositoryApp[];
  nextCursor: string | null;
}

export interface UploadedFile {
  fileName: string;
  contentBase64: string;
}

/** The body of `PUT /api/servers/{id}` and `POST /api/servers/{id}/test`. */
export type ServerDraft = Record<string, string | number | boolean | UploadedFile | null>;

export interface FieldError {
  field: string;
  message: string;
}
