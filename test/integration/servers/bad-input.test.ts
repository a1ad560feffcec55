import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SECRET, PFX_PASSWORD, cloudDraft, onPremDraft, pfxUpload } from '#test/support/server-drafts.ts';
import { startSettingsApi, type SettingsApiHarness } from './settings-api-harness.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex').toString('base64');

type Case = {
  name: string;
  id: 'onprem' | 'cloud';
  status: number;
  field?: string;
  message?: RegExp;
  body?: Record<string, unknown>;
  raw?: string;
  headers?: Record<string, string>;
};
const BIDI_OR_CONTROL = /contains control or bidirectional-override characters/;

const cases: Case[] = [
  {
    name: 'an http:// URL',
    id: 'onprem',
    status: 400,
    field: 'url',
    body: onPremDraft({ url: 'http://qlik.example.com' }),
  },
  {
    name: 'a URL with credentials',
    id: 'onprem',
    status: 400,
    field: 'url',
    body: onPremDraft({ url: 'https://admin:pw@qlik.example.com' }),
  },
  {
    name: 'a URL with a path',
    id: 'cloud',
    status: 400,
    field: 'url',
    body: cloudDraft({ url: 'https://acme.eu.qlikcloud.com/hub' }),
  },
  {
    name: 'a missing field',
    id: 'onprem',
    status: 400,
    field: 'userDirectory',
    body: onPremDraft({ userDirectory: undefined }),
  },
  {
    name: 'an unknown field',
    id: 'cloud',
    status: 400,
    field: 'tenantRegion',
    body: cloudDraft({ tenantRegion: 'eu' }),
  },
  {
    name: 'maxParallelExecutions 0',
    id: 'onprem',
    status: 400,
    field: 'maxParallelExecutions',
    body: onPremDraft({ maxParallelExecutions: 0 }),
  },
  {
    name: 'maxParallelExecutions 51',
    id: 'onprem',
    status: 400,
    field: 'maxParallelExecutions',
    body: onPremDraft({ maxParallelExecutions: 51 }),
  },
  {
    name: 'maxParallelExecutions "4"',
    id: 'cloud',
    status: 400,
    field: 'maxParallelExecutions',
    message: /^Max parallel executions must be a number\.$/,
    body: cloudDraft({ maxParallelExecutions: '4' }),
  },
  {
    name: 'a number as display name',
    id: 'onprem',
    status: 400,
    field: 'displayName',
    message: /^Display name must be a string\.$/,
    body: onPremDraft({ displayName: 5 }),
  },
  {
    name: 'null as tenant URL',
    id: 'cloud',
    status: 400,
    field: 'url',
    message: /^Tenant URL must be a string\.$/,
    body: cloudDraft({ url: null }),
  },
  {
    name: 'a string as a checkbox',
    id: 'onprem',
    status: 400,
    field: 'allowUntrustedServerCertificate',
    message: /must be true or false/,
    body: onPremDraft({ allowUntrustedServerCertificate: 'yes' }),
  },
  {
    name: 'a right-to-left override in the display name',
    id: 'cloud',
    status: 400,
    field: 'displayName',
    message: BIDI_OR_CONTROL,
    body: cloudDraft({ displayName: 'Qlik \u202eduorP' }),
  },
  {
    name: 'a NUL in the service account user',
    id: 'onprem',
    status: 400,
    field: 'serviceAccountUser',
    message: BIDI_OR_CONTROL,
    body: onPremDraft({ serviceAccountUser: 'sa\u0000admin' }),
  },
  {
    name: 'a bidi isolate in the user directory',
    id: 'onprem',
    status: 400,
    field: 'userDirectory',
    message: BIDI_OR_CONTROL,
    body: onPremDraft({ userDirectory: 'CORP\u2066' }),
  },
  {
    name: 'a line break in a file name',
    id: 'onprem',
    status: 400,
    field: 'certificate.fileName',
    message: BIDI_OR_CONTROL,
    body: onPremDraft({ certificate: { ...pfxUpload(), fileName: 'a\nb.pfx' } }),
  },
  {
    name: 'maxParallelExecutions 4.5',
    id: 'cloud',
    status: 400,
    field: 'maxParallelExecutions',
    body: cloudDraft({ maxParallelExecutions: 4.5 }),
  },
  { name: 'a 300 KiB body', id: 'cloud', status: 413, body: cloudDraft({ displayName: 'x'.repeat(300 * 1024) }) },
  { name: 'malformed JSON', id: 'cloud', status: 400, field: '', raw: '{"displayName": "x",' },
  {
    name: 'a wrong content type',
    id: 'cloud',
    status: 400,
    field: 'Content-Type',
    raw: JSON.stringify(cloudDraft()),
    headers: { 'content-type': 'text/plain' },
  },
  {
    name: 'a PNG renamed .pfx',
    id: 'onprem',
    status: 400,
    field: 'certificate',
    body: onPremDraft({ certificate: { fileName: 'client.pfx', contentBase64: PNG } }),
  },
  {
    name: 'a wrong certificate password',
    id: 'onprem',
    status: 400,
    field: 'certificatePassword',
    body: onPremDraft({ certificatePassword: 'not-the-password' }),
  },
  {
    name: 'an expired certificate',
    id: 'onprem',
    status: 400,
    field: 'certificate',
    body: onPremDraft({ certificate: pfxUpload('expired') }),
  },
  {
    name: 'a certificate without a key',
    id: 'onprem',
    status: 400,
    field: 'certificate',
    body: onPremDraft({ certificate: pfxUpload('certificate-only') }),
  },
  {
    name: 'a .crt as client certificate',
    id: 'onprem',
    status: 400,
    field: 'certificate.fileName',
    body: onPremDraft({ certificate: { ...pfxUpload(), fileName: 'client.crt' } }),
  },
];

describe('bad input through the real settings handler', () => {
  let api: SettingsApiHarness;
  let before: string;

  beforeAll(async () => {
    api = await startSettingsApi();
    await api.call('PUT', '/api/servers/onprem', { body: onPremDraft() });
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });
    before = await api.snapshot();
  });
  afterAll(() => api.close());

  for (const c of cases) {
    it(`rejects ${c.name} naming the field, and changes nothing`, async () => {
      // Act
      const response = await api.call('PUT', `/api/servers/${c.id}`, {
        body: c.body ? { ...c.body, version: 1 } : undefined,
        rawBody: c.raw,
        headers: c.headers,
      });

      // Assess
      expect(response.status).toBe(c.status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const problem = response.json();
      expect(problem.status).toBe(c.status);
      if (c.field !== undefined) expect(problem.errors.map((e: { field: string }) => e.field)).toContain(c.field);
      if (c.message)
        expect(problem.errors.find((e: { field: string }) => e.field === c.field)?.message).toMatch(c.message);
      expect(response.body).not.toContain(PFX_PASSWORD);
      expect(await api.snapshot()).toBe(before);
    });
  }

  it.each([
    ['a legacy RC2/3DES .pfx', pfxUpload('legacy'), PFX_PASSWORD],
    ['a password-less .pfx', pfxUpload('no-password', ''), ''],
  ])('accepts %s', async (_name, certificate, certificatePassword) => {
    const current = (await api.call('GET', '/api/servers/onprem')).json();

    const response = await api.call('PUT', '/api/servers/onprem', {
      body: onPremDraft({ certificate, certificatePassword, version: current.version }),
    });

    expect(response.status).toBe(200);
    expect(response.json().certificate.subject).toContain('QlikClient');
    before = await api.snapshot();
  });

  it('never lets a secret reach DynamoDB, a response body or a log line', async () => {
    // Prepare: every secret the API has been given in this suite
    const secrets = [PFX_PASSWORD, CLIENT_SECRET, pfxUpload().contentBase64.slice(100, 160)];
    const responses = [
      await api.call('GET', '/api/servers'),
      await api.call('GET', '/api/servers/onprem'),
      await api.call('PUT', '/api/servers/cloud', { body: cloudDraft({ version: 1, displayName: 'Leak check' }) }),
      await api.call('PUT', '/api/servers/onprem', { body: onPremDraft({ version: 99 }) }),
    ];
    const { items } = JSON.parse(await api.snapshot()) as { items: unknown[] };

    // Assess
    const haystacks = {
      dynamodb: JSON.stringify(items),
      responses: responses.map((r) => r.body).join('\n'),
      logs: api.logs(),
    };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(haystacks))
        expect(text.includes(secret), `${where} leaks a secret`).toBe(false);
    }
    expect(api.logs()).toContain('Server settings saved');
  });
});
