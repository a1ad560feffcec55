/** ServerView: what the API and the UI see of a server. Built field by field, so a secret can never ride along. */
import type { LastSync, LastTest, ServerRecord, ServerState, WebhookState } from '#lib/servers/server-record.ts';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS } from '#lib/servers/execution-cap.ts';
import type { ServerId } from '#lib/servers/server-id.ts';
import type { CertificateMetadata } from '#lib/certificates/certificate-types.ts';
import type { ExecutionCounts } from '#lib/executions/execution-types.ts';

interface CommonView {
  id: ServerId;
  type: ServerId;
  configured: boolean;
  displayName: string;
  url: string;
  maxParallelExecutions: number;
  lastTest: LastTest | null;
  lastSync: LastSync | null;
  version: number;
  /** The cap in force and live counts of extractions. */
  executions: ExecutionCounts;
}

export interface OnPremView extends CommonView {
  type: 'onprem';
  userDirectory: string;
  serviceAccountUser: string;
  hasCertificatePassword: boolean;
  certificate: CertificateMetadata | null;
  rootCertificate: { subject: string; notAfter: string } | null;
  certificateHostName: string | null;
  allowUntrustedServerCertificate: boolean;
  repositoryPort: number;
  enginePort: number;
  proxyApiPort: number;
  virtualProxy: { id: string; prefix: string } | null;
}

export interface CloudView extends CommonView {
  type: 'cloud';
  oauthClientId: string;
  webIntegrationId: string;
  hasClientSecret: boolean;
  webhook: { id: string; enabled: boolean; disabledReason: string | null } | null;
}

export type ServerView = OnPremView | CloudView;

const DEFAULT_NAMES: Record<ServerId, string> = { onprem: 'Qlik Sense Enterprise', cloud: 'Qlik Cloud' };

export function toServerView(
  id: ServerId,
  record: ServerRecord | null,
  state: ServerState,
  executions?: ExecutionCounts,
): ServerView {
  const maxParallelExecutions = record?.settings.maxParallelExecutions ?? DEFAULT_MAX_PARALLEL_EXECUTIONS;
  const common = {
    id,
    configured: record !== null,
    displayName: record?.settings.displayName ?? DEFAULT_NAMES[id],
    url: record?.settings.url ?? '',
    maxParallelExecutions,
    lastTest: state.lastTest,
    lastSync: state.lastSync,
    version: record?.version ?? 0,
    executions: executions
      ? { ...executions }
      : { limit: maxParallelExecutions, appliedAt: null, running: 0, queued: 0 },
  };
  if (id === 'onprem') {
    const r = record?.type === 'onprem' ? record : null;
    return {
      ...common,
      type: 'onprem',
      userDirectory: r?.settings.userDirectory ?? '',
      serviceAccountUser: r?.settings.serviceAccountUser ?? '',
      hasCertificatePassword: r?.hasCertificatePassword ?? false,
      certificate: r ? { ...r.certificate } : null,
      rootCertificate: r?.rootCertificate
        ? { subject: r.rootCertificate.subject, notAfter: r.rootCertificate.notAfter }
        : null,
      certificateHostName: r?.settings.certificateHostName ?? null,
      allowUntrustedServerCertificate: r?.settings.allowUntrustedServerCertificate ?? false,
      repositoryPort: r?.settings.repositoryPort ?? 4242,
      enginePort: r?.settings.enginePort ?? 4747,
      proxyApiPort: r?.settings.proxyApiPort ?? 4243,
      virtualProxy: state.virtualProxy ? { id: state.virtualProxy.id, prefix: state.virtualProxy.prefix } : null,
    };
  }
  const r = record?.type === 'cloud' ? record : null;
  return {
    ...common,
    type: 'cloud',
    oauthClientId: r?.settings.oauthClientId ?? '',
    webIntegrationId: r?.settings.webIntegrationId ?? '',
    hasClientSecret: r?.hasClientSecret ?? false,
    webhook: webhookView(state.webhook),
  };
}

function webhookView(webhook: WebhookState | null): CloudView['webhook'] {
  return webhook ? { id: webhook.id, enabled: webhook.enabled, disabledReason: webhook.disabledReason } : null;
}
