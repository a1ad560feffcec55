import { describe, expect, it } from 'vitest';
import { settingsChanges } from '#lib/audit/settings-changes.ts';
import type { CloudRecord, CloudSecret, OnPremRecord, OnPremSecret } from '#lib/servers/server-record.ts';

const cloud = (settings: Partial<CloudRecord['settings']> = {}): CloudRecord => ({
  id: 'cloud',
  type: 'cloud',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  secret: { arn: 'arn:secret', versionId: 'v1' },
  fingerprint: 'f'.repeat(64),
  hasClientSecret: true,
  settings: {
    displayName: 'Qlik Cloud',
    url: 'https://a.eu.qlikcloud.com',
    maxParallelExecutions: 4,
    oauthClientId: 'client',
    webIntegrationId: 'wi',
    ...settings,
  },
});
const cloudSecret = (clientSecret: string): CloudSecret => ({ kind: 'cloud', clientSecret });

const onprem = (fingerprintSha256: string, notAfter: string): OnPremRecord => ({
  id: 'onprem',
  type: 'onprem',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  secret: { arn: 'arn:secret', versionId: 'v1' },
  fingerprint: 'e'.repeat(64),
  hasCertificatePassword: true,
  certificate: {
    subject: 'CN=QlikClient',
    issuer: 'CN=CA',
    subjectAltNames: [],
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter,
    fingerprintSha256,
  },
  rootCertificate: null,
  settings: {
    displayName: 'Qlik Sense',
    url: 'https://qlik.example.com',
    maxParallelExecutions: 4,
    userDirectory: 'INTERNAL',
    serviceAccountUser: 'sa',
    certificateHostName: null,
    allowUntrustedServerCertificate: false,
    repositoryPort: 4242,
    enginePort: 4747,
  },
});
const onpremSecret = (pfxBase64: string, certificatePassword: string | null): OnPremSecret => ({
  kind: 'onprem',
  pfxBase64,
  certificateFileName: 'client.pfx',
  certificatePassword,
  keyPem: 'KEY',
  certPem: 'CERT',
  caPems: [],
  rootCertificatePem: null,
});

describe('settings changes for the audit trail', () => {
  it('lists old → new of each non-secret setting that changed, and nothing that did not', () => {
    const changes = settingsChanges(
      { record: cloud(), secret: cloudSecret('s1') },
      { record: cloud({ url: 'https://b.eu.qlikcloud.com', maxParallelExecutions: 8 }), secret: cloudSecret('s1') },
    );
    expect(changes).toEqual([
      { field: 'url', from: 'https://a.eu.qlikcloud.com', to: 'https://b.eu.qlikcloud.com' },
      { field: 'maxParallelExecutions', from: 4, to: 8 },
    ]);
  });

  it('shows a replaced client secret as "replaced", without its value', () => {
    const changes = settingsChanges(
      { record: cloud(), secret: cloudSecret('old-secret-1') },
      { record: cloud(), secret: cloudSecret('new-secret-2') },
    );
    expect(changes).toEqual([{ field: 'oauthClientSecret', from: null, to: 'replaced' }]);
    expect(JSON.stringify(changes)).not.toMatch(/secret-[12]/);
  });

  it('gives a replaced certificate its new fingerprint and expiry, and its password only "replaced"', () => {
    const before = { record: onprem('AA:01', '2027-01-01T00:00:00.000Z'), secret: onpremSecret('UEZYMQ==', 'pw-one') };
    const after = { record: onprem('BB:02', '2028-01-01T00:00:00.000Z'), secret: onpremSecret('UEZYMg==', 'pw-two') };
    expect(settingsChanges(before, after)).toEqual([
      { field: 'certificate', from: null, to: 'replaced' },
      { field: 'certificatePassword', from: null, to: 'replaced' },
      { field: 'certificate.fingerprintSha256', from: 'AA:01', to: 'BB:02' },
      { field: 'certificate.notAfter', from: '2027-01-01T00:00:00.000Z', to: '2028-01-01T00:00:00.000Z' },
    ]);
  });

  it('describes a first save from nothing', () => {
    const changes = settingsChanges(null, { record: cloud(), secret: cloudSecret('s') });
    expect(changes).toContainEqual({ field: 'displayName', from: null, to: 'Qlik Cloud' });
    expect(changes).toContainEqual({ field: 'oauthClientSecret', from: null, to: 'replaced' });
  });
});
