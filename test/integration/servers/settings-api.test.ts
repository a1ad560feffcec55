import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudSecret, OnPremSecret } from '#lib/servers/server-record.ts';
import { CLIENT_SECRET, PFX_PASSWORD, cloudDraft, onPremDraft, pfxUpload } from '#test/support/server-drafts.ts';
import { startSettingsApi, type SettingsApiHarness } from './settings-api-harness.ts';

describe('settings API on DynamoDB Local and the local Secrets Manager', () => {
  let api: SettingsApiHarness;

  beforeAll(async () => {
    api = await startSettingsApi();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it('lists both servers, unconfigured, on an empty table', async () => {
    const response = await api.call('GET', '/api/servers');

    expect(response.status).toBe(200);
    const { servers } = response.json();
    expect(servers.map((s: { id: string; configured: boolean }) => [s.id, s.configured])).toEqual([
      ['onprem', false],
      ['cloud', false],
    ]);
    expect(servers[0]).toMatchObject({
      type: 'onprem',
      maxParallelExecutions: 4,
      certificate: null,
      lastTest: null,
      lastSync: null,
      version: 0,
    });
  });

  it('saves a cloud server, reads it back without its secret, and keeps the secret on a blank update', async () => {
    // Act
    const saved = await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });
    const updated = await api.call('PUT', '/api/servers/cloud', {
      body: cloudDraft({ displayName: 'Renamed', oauthClientSecret: '', version: 1 }),
    });

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.json()).toMatchObject({
      id: 'cloud',
      configured: true,
      hasClientSecret: true,
      version: 1,
      url: 'https://acme.eu.qlikcloud.com',
    });
    expect(updated.status).toBe(200);
    expect(updated.json()).toMatchObject({ displayName: 'Renamed', version: 2 });
    const record = await api.servers.get('cloud');
    expect((await api.secrets.read<CloudSecret>(record!.secret)).clientSecret).toBe(CLIENT_SECRET);
    expect((await api.call('GET', '/api/servers/cloud')).json()).toEqual(updated.json());
  });

  it('saves an on-premise server with its certificate metadata and no secret material', async () => {
    const response = await api.call('PUT', '/api/servers/onprem', { body: onPremDraft() });

    expect(response.status).toBe(200);
    const view = response.json();
    expect(view).toMatchObject({ configured: true, hasCertificatePassword: true, userDirectory: 'INTERNAL' });
    expect(view.certificate.subject).toContain('QlikClient');
    expect(view.certificate.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const stored = await api.secrets.read<OnPremSecret>((await api.servers.get('onprem'))!.secret);
    expect(stored.certificatePassword).toBe(PFX_PASSWORD);
    expect(stored.keyPem).toContain('PRIVATE KEY');
  });

  it('opens a new certificate with the stored password when the password field is blank', async () => {
    await api.call('PUT', '/api/servers/onprem', { body: onPremDraft() });

    const rotated = await api.call('PUT', '/api/servers/onprem', {
      body: onPremDraft({ certificate: pfxUpload('legacy'), certificatePassword: '', version: 1 }),
    });

    expect(rotated.status).toBe(200);
    expect(rotated.json()).toMatchObject({ version: 2, hasCertificatePassword: true });
  });

  it('refuses a save with a stale version and a configured save without a version', async () => {
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft({ version: 1 }) });

    const stale = await api.call('PUT', '/api/servers/cloud', { body: cloudDraft({ version: 1 }) });
    const missing = await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });

    expect(stale.status).toBe(409);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect(missing.status).toBe(400);
    expect(missing.json().errors).toEqual([expect.objectContaining({ field: 'version' })]);
  });

  it('lets exactly one of several concurrent saves of the same version win', async () => {
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api.call('PUT', '/api/servers/cloud', { body: cloudDraft({ displayName: `Writer ${i}`, version: 1 }) }),
      ),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.json().displayName;
    expect((await api.call('GET', '/api/servers/cloud')).json()).toMatchObject({ displayName: winner, version: 2 });
  });

  it('deletes settings and secrets', async () => {
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });

    const deleted = await api.call('DELETE', '/api/servers/cloud');

    expect(deleted.status).toBe(204);
    expect((await api.call('GET', '/api/servers/cloud')).json()).toMatchObject({
      configured: false,
      hasClientSecret: false,
    });
    expect(await api.secrets.readCurrent('cloud')).toBeNull();
  });

  it('answers 404 for an unknown server id', async () => {
    const response = await api.call('GET', '/api/servers/qlikview');

    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  describe('a failure at any step of a save leaves the previous configuration whole', () => {
    const steps = [
      [
        'staging the secret',
        (h: SettingsApiHarness) => (h.secrets.stage = () => Promise.reject(new Error('injected: secrets down'))),
      ],
      [
        'writing the settings',
        (h: SettingsApiHarness) => (h.servers.putSettings = () => Promise.reject(new Error('injected: table down'))),
      ],
    ] as const;

    for (const [step, inject] of steps) {
      it(`when ${step} fails`, async () => {
        // Prepare
        await api.call('PUT', '/api/servers/onprem', { body: onPremDraft() });
        const before = await api.snapshot();
        const viewBefore = (await api.call('GET', '/api/servers/onprem')).json();
        inject(api);

        // Act
        const response = await api.call('PUT', '/api/servers/onprem', {
          body: onPremDraft({
            displayName: 'Changed',
            certificate: pfxUpload('no-password', ''),
            certificatePassword: '',
            version: 1,
          }),
        });
        delete (api.secrets as Partial<typeof api.secrets>).stage;
        delete (api.servers as Partial<typeof api.servers>).putSettings;

        // Assess
        expect(response.status).toBe(500);
        expect(response.body).not.toContain('injected');
        expect((await api.call('GET', '/api/servers/onprem')).json()).toEqual(viewBefore);
        const record = await api.servers.get('onprem');
        expect((await api.secrets.read<OnPremSecret>(record!.secret)).certificatePassword).toBe(PFX_PASSWORD);
        if (step === 'writing the settings') {
          // The staged secret version exists, but nothing points to it and AWSCURRENT did not move.
          expect(await api.snapshot()).toEqual(before);
        }
      });
    }
  });
});
