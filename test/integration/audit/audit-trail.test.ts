/**
 * The audit trail through the real settings API handler on DynamoDB Local: each action once, under the JWT's actor,
 * with old → new for settings, "replaced" (and nothing else) for secrets, and nothing for a refused save.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#lib/audit/audit-log.ts';
import type { OnPremSecret } from '#lib/servers/server-record.ts';
import { CLIENT_SECRET, PFX_PASSWORD, cloudDraft, onPremDraft, pfxUpload } from '#test/support/server-drafts.ts';
import { startSettingsApi, type SettingsApiHarness } from '../servers/settings-api-harness.ts';

const ALICE = { sub: '0b5c6a1e-alice', email: 'alice@example.com', token_use: 'access', client_id: 'page' };
const BOB = { sub: '9f2d7e4b-bob', username: 'bob', token_use: 'access', client_id: 'page' };

describe('audit trail', () => {
  let api: SettingsApiHarness;
  let requests = 0;
  const as = (claims: Record<string, string>, body?: unknown) => ({
    claims,
    body,
    requestId: `req-${++requests}`,
    sourceIp: '203.0.113.7',
  });
  const trail = async (query: Record<string, string> = {}): Promise<AuditEntry[]> => {
    const response = await api.call('GET', '/api/audit', { query, claims: ALICE });
    expect(response.status).toBe(200);
    return response.json().entries;
  };

  beforeAll(async () => {
    api = await startSettingsApi();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  it('records each save once, newest first, with who, when, the request id, the source IP and old → new', async () => {
    // Act
    const first = await api.call('PUT', '/api/servers/cloud', as(ALICE, cloudDraft()));
    const second = await api.call(
      'PUT',
      '/api/servers/cloud',
      as(
        BOB,
        cloudDraft({ displayName: 'Qlik Cloud (EU)', maxParallelExecutions: 9, oauthClientSecret: '', version: 1 }),
      ),
    );

    // Assess
    expect([first.status, second.status]).toEqual([200, 200]);
    const entries = (await trail({ serverId: 'cloud' })).filter(
      (e) => e.requestId === `req-${requests}` || e.requestId === `req-${requests - 1}`,
    );
    expect(entries).toHaveLength(2);
    const [latest, earliest] = entries;
    expect(latest).toMatchObject({
      action: 'settings.saved',
      serverId: 'cloud',
      actor: { sub: BOB.sub, name: 'bob' },
      result: 'succeeded',
      requestId: `req-${requests}`,
      sourceIp: '203.0.113.7',
      changes: [
        { field: 'displayName', from: 'Qlik Cloud EU', to: 'Qlik Cloud (EU)' },
        { field: 'maxParallelExecutions', from: 4, to: 9 },
      ],
    });
    expect(Date.parse(latest!.at)).toBeGreaterThanOrEqual(Date.parse(earliest!.at));
    expect(earliest).toMatchObject({ actor: { sub: ALICE.sub, name: ALICE.email }, action: 'settings.saved' });
    expect(earliest!.changes).toContainEqual({ field: 'url', from: null, to: 'https://acme.eu.qlikcloud.com' });
    expect(earliest!.changes).toContainEqual({ field: 'oauthClientSecret', from: null, to: 'replaced' });
  });

  it('shows a replaced secret as "replaced" and nothing else: no value, no hash, anywhere in the trail', async () => {
    // Prepare
    await api.call('PUT', '/api/servers/onprem', as(ALICE, onPremDraft()));
    const before = (await api.call('GET', '/api/servers/onprem')).json();

    // Act: a new certificate with a new password
    const response = await api.call(
      'PUT',
      '/api/servers/onprem',
      as(
        ALICE,
        onPremDraft({
          certificate: pfxUpload('modern', 'Another-Pfx-Pass-1'),
          certificatePassword: 'Another-Pfx-Pass-1',
          version: 1,
        }),
      ),
    );

    // Assess
    expect(response.status).toBe(200);
    const after = response.json();
    const [entry] = await trail({ serverId: 'onprem', limit: '1' });
    const changes = entry!.changes;
    expect(changes.filter((c) => ['certificate', 'certificatePassword'].includes(c.field))).toEqual([
      { field: 'certificate', from: null, to: 'replaced' },
      { field: 'certificatePassword', from: null, to: 'replaced' },
    ]);
    // The certificate's public facts: its new fingerprint and expiry.
    expect(changes).toContainEqual({
      field: 'certificate.fingerprintSha256',
      from: before.certificate.fingerprintSha256,
      to: after.certificate.fingerprintSha256,
    });
    expect(changes).toContainEqual({
      field: 'certificate.notAfter',
      from: before.certificate.notAfter,
      to: after.certificate.notAfter,
    });
    const raw = JSON.stringify(await trail());
    for (const secret of [PFX_PASSWORD, 'Another-Pfx-Pass-1', CLIENT_SECRET]) expect(raw).not.toContain(secret);
    const stored = await api.secrets.read<OnPremSecret>((await api.servers.get('onprem'))!.secret);
    expect(raw).not.toContain(stored.pfxBase64.slice(0, 40));
    expect(raw).not.toContain((await api.servers.get('onprem'))!.fingerprint);
  });

  it('records nothing for a refused save, and a delete once', async () => {
    // Prepare
    await api.call('PUT', '/api/servers/cloud', as(ALICE, cloudDraft()));
    const count = (await trail()).length;

    // Act
    const refused = await api.call(
      'PUT',
      '/api/servers/cloud',
      as(ALICE, cloudDraft({ url: 'http://not-https.example.com', version: 1 })),
    );
    const stale = await api.call('PUT', '/api/servers/cloud', as(ALICE, cloudDraft({ displayName: 'x', version: 7 })));
    const deleted = await api.call('DELETE', '/api/servers/cloud', as(BOB));

    // Assess
    expect([refused.status, stale.status, deleted.status]).toEqual([400, 409, 204]);
    const entries = await trail();
    expect(entries).toHaveLength(count + 1);
    expect(entries[0]).toMatchObject({
      action: 'server.deleted',
      serverId: 'cloud',
      actor: { sub: BOB.sub, name: 'bob' },
      changes: [],
      result: 'succeeded',
    });
  });

  it('pages newest first across both servers with a cursor, and refuses a forged cursor or an unknown server', async () => {
    // Prepare
    await api.call('PUT', '/api/servers/cloud', as(ALICE, cloudDraft()));
    await api.call('PUT', '/api/servers/onprem', as(ALICE, onPremDraft()));
    const all = await trail();

    // Act
    const first = (await api.call('GET', '/api/audit', { query: { limit: '1' }, claims: ALICE })).json();
    const second = (
      await api.call('GET', '/api/audit', { query: { limit: '1', cursor: first.nextCursor }, claims: ALICE })
    ).json();
    const forged = await api.call('GET', '/api/audit', {
      query: { cursor: Buffer.from('{"s":"cloud","k":"x"}').toString('base64url') },
      claims: ALICE,
    });
    const unknown = await api.call('GET', '/api/audit', { query: { serverId: 'elsewhere' }, claims: ALICE });

    // Assess
    expect(first.entries[0]).toEqual(all[0]);
    expect(second.entries[0]).toEqual(all[1]);
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort().reverse());
    expect(forged.status).toBe(400);
    expect(forged.json().errors[0].field).toBe('cursor');
    expect(unknown.status).toBe(400);
    expect(unknown.json().errors[0].field).toBe('serverId');
  });

  it('names the local administrator when nobody signed in (the local runtime without OIDC)', async () => {
    await api.call('PUT', '/api/servers/cloud', { body: cloudDraft() });
    const [entry] = await trail({ serverId: 'cloud', limit: '1' });
    expect(entry!.actor).toEqual({ sub: 'local', name: 'local administrator' });
  });
});
