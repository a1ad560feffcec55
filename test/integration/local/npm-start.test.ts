import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_SECRET, cloudDraft } from '#test/support/server-drafts.ts';
import { startNpmStart, type StartedService } from '#test/support/processes.ts';

describe('npm start (the local runtime)', () => {
  let service: StartedService | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  // Two real starts of the runtime (tsx, DynamoDB Local, the admin page build) take most of a minute on a busy 2-core box.
  it('serves the API on loopback, persists a saved server across a restart, and stops cleanly', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'kpimailer-start-'));
    service = await startNpmStart({ KPIMAILER_DATA_DIR: dataDir });

    // Act
    const initial = (await (await fetch(`${service.url}/api/servers`)).json()) as {
      servers: { configured: boolean }[];
    };
    const saved = await fetch(`${service.url}/api/servers/cloud`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cloudDraft()),
    });
    await service.stop();
    const firstRunOutput = service.output();
    service = await startNpmStart({ KPIMAILER_DATA_DIR: dataDir });
    const reread = (await (await fetch(`${service.url}/api/servers/cloud`)).json()) as Record<string, unknown>;

    // Assess
    expect(initial.servers.map((s) => s.configured)).toEqual([false, false]);
    expect(saved.status).toBe(200);
    expect(firstRunOutput).toContain('Stopping');
    expect(reread).toMatchObject({ configured: true, displayName: 'Qlik Cloud EU', hasClientSecret: true, version: 1 });
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // The secret is encrypted at rest under a key only the owner can read.
    expect(readFileSync(join(dataDir, 'secrets', 'secrets.json'), 'utf8')).not.toContain(CLIENT_SECRET);
    expect(statSync(join(dataDir, 'secrets', 'secrets.key')).mode & 0o777).toBe(0o600);
  }, 120_000);
});
