/**
 * Effective connection settings: a draft merged with the saved settings and secrets. This is what the Qlik
 * clients, testers and sync code receive; it is built by `lib/servers/effective-connection.ts` and lives only
 * in memory.
 */
import type { ProvisionedVirtualProxy, WebhookState } from '#lib/servers/server-record.ts';

export interface OnPremConnection {
  /** https origin of the Qlik Sense proxy, e.g. https://qlik.example.com */
  url: string;
  userDirectory: string;
  serviceAccountUser: string;
  repositoryPort: number;
  enginePort: number;
  /** The Qlik Proxy Service API (QPS, default 4243) on the URL's host: session tickets, with the client certificate. */
  proxyApiPort: number;
  /** The machine name in Qlik's server certificate when the URL's host differs. */
  certificateHostName: string | null;
  allowUntrustedServerCertificate: boolean;
  tls: {
    keyPem: string;
    certPem: string;
    /** CA certificates from the uploaded bundle plus the optional uploaded root. */
    caPems: string[];
  };
  /** The virtual proxy this service provisioned earlier, if any. */
  virtualProxy: ProvisionedVirtualProxy | null;
}

export interface CloudConnection {
  /** https origin of the tenant, e.g. https://tenant.eu.qlikcloud.com */
  url: string;
  oauthClientId: string;
  clientSecret: string;
  webIntegrationId: string;
  /** The reload webhook this service provisioned earlier, if any. */
  webhook: WebhookState | null;
}
