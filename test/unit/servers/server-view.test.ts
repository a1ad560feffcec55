import { describe, expect, it } from 'vitest';
import { EMPTY_SERVER_STATE, type CloudRecord, type OnPremRecord } from '#lib/servers/server-record.ts';
import { toServerView } from '#lib/servers/server-view.ts';

const onprem: OnPremRecord = {
  id: 'onprem',
  type: 'onprem',
  version: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  secret: { arn: 'arn:aws:secretsmanager:eu-west-1:1:secret:kpimailer/x/onprem-AbCdEf', versionId: 'v1' },
  fingerprint: 'f1',
  settings: {
    displayName: 'Prod',
    url: 'https://qlik.example.com',
    maxParallelExecutions: 6,
    userDirectory: 'CORP',
    serviceAccountUser: 'svc',
    certificateHostName: 'qlikserver01',
    allowUntrustedServerCertificate: false,
    repositoryPort: 4242,
    enginePort: 4747,
  },
  certificate: {
    subject: 'CN=QlikClient',
    issuer: 'CN=QLIKSERVER-CA',
    subjectAltNames: [],
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    fingerprintSha256: 'AA',
  },
  rootCertificate: null,
  hasCertificatePassword: true,
};

describe('server view', () => {
  it('shows an unconfigured server with defaults', () => {
    const view = toServerView('cloud', null, EMPTY_SERVER_STATE);

    expect(view).toMatchObject({
      id: 'cloud',
      type: 'cloud',
      configured: false,
      maxParallelExecutions: 4,
      hasClientSecret: false,
      webhook: null,
      version: 0,
    });
  });

  it('carries settings, certificate metadata and state, but not the secret reference', () => {
    const view = toServerView('onprem', onprem, {
      ...EMPTY_SERVER_STATE,
      virtualProxy: { id: 'vp1', prefix: 'kpimailer' },
    });

    expect(view).toMatchObject({
      configured: true,
      displayName: 'Prod',
      certificateHostName: 'qlikserver01',
      hasCertificatePassword: true,
      version: 3,
    });
    expect(view).toMatchObject({ virtualProxy: { id: 'vp1', prefix: 'kpimailer' } });
    expect(JSON.stringify(view)).not.toContain('arn:aws:secretsmanager');
    expect(Object.keys(view)).not.toContain('secret');
  });

  it('shows the webhook state of a cloud server without its URL', () => {
    const cloud: CloudRecord = {
      ...onprem,
      id: 'cloud',
      type: 'cloud',
      settings: {
        displayName: 'C',
        url: 'https://t.eu.qlikcloud.com',
        maxParallelExecutions: 4,
        oauthClientId: 'id',
        webIntegrationId: 'wi-123456',
      },
      hasClientSecret: true,
    };
    const view = toServerView('cloud', cloud, {
      ...EMPTY_SERVER_STATE,
      webhook: { id: 'w1', enabled: false, disabledReason: 'too many failures', url: 'https://x' },
    });

    expect(view).toMatchObject({
      hasClientSecret: true,
      webhook: { id: 'w1', enabled: false, disabledReason: 'too many failures' },
    });
    expect(JSON.stringify(view)).not.toContain('https://x');
  });
});
