import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#lib/api/openapi.ts';
import type { CloudServerView, OnPremServerView } from '#lib/admin-ui/web/api/types.ts';
import { readDraftSchema } from '#lib/admin-ui/web/model/field-meta.ts';
import {
  draftFromValues,
  fieldErrorsByKey,
  valuesFromView,
  withoutSecrets,
} from '#lib/admin-ui/web/model/server-form.ts';

const onpremMeta = readDraftSchema(openApiDocument(), 'OnPremSettingsDraft').fields;
const cloudMeta = readDraftSchema(openApiDocument(), 'CloudSettingsDraft').fields;

const onprem: OnPremServerView = {
  id: 'onprem',
  type: 'onprem',
  configured: true,
  displayName: 'Production',
  url: 'https://qlik.example.com',
  maxParallelExecutions: 6,
  lastTest: null,
  lastSync: null,
  version: 3,
  userDirectory: 'CORP',
  serviceAccountUser: 'sa_kpimailer',
  hasCertificatePassword: true,
  certificate: null,
  rootCertificate: { subject: 'CN=root', notAfter: '2030-01-01T00:00:00Z' },
  certificateHostName: null,
  allowUntrustedServerCertificate: false,
  repositoryPort: 4242,
  enginePort: 4747,
  proxyApiPort: 4243,
  virtualProxy: null,
  executions: { limit: 6, appliedAt: null, running: 0, queued: 0 },
};

const cloud: CloudServerView = {
  id: 'cloud',
  type: 'cloud',
  configured: false,
  displayName: 'Qlik Cloud',
  url: '',
  maxParallelExecutions: 4,
  lastTest: null,
  lastSync: null,
  version: 0,
  oauthClientId: '',
  webIntegrationId: '',
  hasClientSecret: false,
  webhook: null,
  executions: { limit: 4, appliedAt: null, running: 0, queued: 0 },
};

describe('edit form model', () => {
  it('fills the form from the saved settings and leaves secrets empty', () => {
    const values = valuesFromView(onprem, onpremMeta);
    expect(values).toMatchObject({
      displayName: 'Production',
      userDirectory: 'CORP',
      maxParallelExecutions: '6',
      certificatePassword: '',
      certificate: { kind: 'keep' },
      repositoryPort: '4242',
      allowUntrustedServerCertificate: false,
    });
  });

  it('sends the saved version and leaves out blank secrets and untouched files', () => {
    const draft = draftFromValues(onprem, valuesFromView(onprem, onpremMeta));
    expect(draft).toEqual({
      displayName: 'Production',
      url: 'https://qlik.example.com',
      userDirectory: 'CORP',
      serviceAccountUser: 'sa_kpimailer',
      maxParallelExecutions: 6,
      certificateHostName: null,
      allowUntrustedServerCertificate: false,
      repositoryPort: 4242,
      enginePort: 4747,
      proxyApiPort: 4243,
      version: 3,
    });
  });

  it('sends a new certificate, its password and a root certificate removal', () => {
    const values = {
      ...valuesFromView(onprem, onpremMeta),
      certificate: { kind: 'new' as const, file: { fileName: 'client.pfx', contentBase64: 'AAAA' }, size: 3 },
      certificatePassword: 'p@ss',
      rootCertificate: { kind: 'remove' as const },
      certificateHostName: ' qlikserver01 ',
    };
    expect(draftFromValues(onprem, values)).toMatchObject({
      certificate: { fileName: 'client.pfx', contentBase64: 'AAAA' },
      certificatePassword: 'p@ss',
      rootCertificate: null,
      certificateHostName: 'qlikserver01',
    });
  });

  it('sends no version before the first save and keeps a non-number as typed for the API to reject', () => {
    const values = { ...valuesFromView(cloud, cloudMeta), maxParallelExecutions: '4.5', oauthClientSecret: 's3cret' };
    const draft = draftFromValues(cloud, values);
    expect(draft).not.toHaveProperty('version');
    expect(draft).toMatchObject({ maxParallelExecutions: 4.5, oauthClientSecret: 's3cret', displayName: 'Qlik Cloud' });
  });

  it('forgets secrets and chosen files after a save', () => {
    const values = {
      ...valuesFromView(onprem, onpremMeta),
      certificatePassword: 'x',
      certificate: { kind: 'new' as const, file: { fileName: 'a.pfx', contentBase64: 'AA' }, size: 1 },
    };
    expect(withoutSecrets(values, 'onprem')).toMatchObject({
      certificatePassword: '',
      certificate: { kind: 'keep' },
      displayName: 'Production',
    });
  });

  it('puts field errors next to their fields and keeps the others general', () => {
    const mapped = fieldErrorsByKey('onprem', [
      { field: 'certificatePassword', message: 'The password is wrong.' },
      { field: 'certificate.fileName', message: 'Upload a .pfx file.' },
      { field: 'version', message: 'Send the version.' },
      { field: '', message: 'Send JSON.' },
    ]);
    expect(mapped.byKey).toEqual({ certificatePassword: 'The password is wrong.', certificate: 'Upload a .pfx file.' });
    expect(mapped.general).toEqual(['version: Send the version.', 'Send JSON.']);
  });
});
