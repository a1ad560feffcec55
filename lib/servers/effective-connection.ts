/** Builds what the Qlik clients receive from resolved settings, their secret material and provisioning state. */
import type { CloudConnection, OnPremConnection } from '#lib/connection-test/connection-types.ts';
import type { ResolvedCloud, ResolvedOnPrem } from '#lib/servers/resolve-draft.ts';
import type { ServerState } from '#lib/servers/server-record.ts';

export function onPremConnectionOf(
  resolved: Pick<ResolvedOnPrem, 'settings' | 'secret'>,
  state: Pick<ServerState, 'virtualProxy'>,
): OnPremConnection {
  const { settings, secret } = resolved;
  return {
    url: settings.url,
    userDirectory: settings.userDirectory,
    serviceAccountUser: settings.serviceAccountUser,
    repositoryPort: settings.repositoryPort,
    enginePort: settings.enginePort,
    proxyApiPort: settings.proxyApiPort ?? 4243,
    certificateHostName: settings.certificateHostName,
    allowUntrustedServerCertificate: settings.allowUntrustedServerCertificate,
    tls: {
      keyPem: secret.keyPem,
      certPem: secret.certPem,
      caPems: [...secret.caPems, ...(secret.rootCertificatePem ? [secret.rootCertificatePem] : [])],
    },
    virtualProxy: state.virtualProxy,
  };
}

export function cloudConnectionOf(
  resolved: Pick<ResolvedCloud, 'settings' | 'secret'>,
  state: Pick<ServerState, 'webhook'>,
): CloudConnection {
  const { settings, secret } = resolved;
  return {
    url: settings.url,
    oauthClientId: settings.oauthClientId,
    clientSecret: secret.clientSecret,
    webIntegrationId: settings.webIntegrationId,
    webhook: state.webhook,
  };
}
