/** Sync start and result in the audit trail: the API's run under the admin who started it, the schedule's under itself. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '#lib/audit/dynamodb-audit-log.ts';
import { closeCloudClients } from '#lib/qlik/cloud/cloud-client.ts';
import { clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import { startQlikCloudSimulator, TenantApps, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import {
  CLOUD_CLIENT,
  startRepository,
  type RepositoryHarness,
} from '#test/integration/repository/repository-harness.ts';

const ALICE = { sub: '0b5c6a1e-alice', email: 'alice@example.com', token_use: 'access', client_id: 'page' };

let sim: QlikCloudSimulator;
let tenant: TenantApps;
let repo: RepositoryHarness;

beforeAll(async () => {
  tenant = new TenantApps({ count: 30, personalShare: 0 });
  sim = await startQlikCloudSimulator({ clients: [CLOUD_CLIENT], routes: tenant.routes() });
});
afterAll(async () => {
  await closeCloudClients();
  await sim.close();
});
beforeEach(async () => {
  clearCloudTokenCache();
  repo = await startRepository({ cloud: sim });
  await repo.configure('cloud');
});
afterEach(() => repo.close());

const trail = () =>
  new DynamoDbAuditLog(repo.aws.documentClient, repo.aws.auditTableName).list({ serverId: 'cloud', limit: 50 });

describe('app sync in the audit trail', () => {
  it('records the start and the result of an API-started sync, once each, under the admin who started it', async () => {
    // Act
    const started = await repo.call('POST', '/api/servers/cloud/sync', {
      claims: ALICE,
      requestId: 'req-sync-1',
      sourceIp: '198.51.100.4',
    });
    await repo.trigger.settled();

    // Assess
    expect(started.status).toBe(202);
    const { entries } = await trail();
    expect(entries.map((e) => e.action)).toEqual(['sync.finished', 'sync.started']);
    const actor = { sub: ALICE.sub, name: ALICE.email };
    expect(entries[1]).toMatchObject({
      actor,
      requestId: 'req-sync-1',
      sourceIp: '198.51.100.4',
      result: 'running',
      changes: [],
    });
    const total = tenant.synced().length;
    expect(entries[0]).toMatchObject({
      actor,
      requestId: 'req-sync-1',
      result: 'succeeded',
      counts: { added: total, updated: 0, removed: 0, total },
    });
  });

  it('records a scheduled run under the schedule', async () => {
    await repo.sync.run({ serverId: 'cloud' });
    const { entries } = await trail();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'sync.finished',
      actor: { sub: 'schedule', name: 'scheduled run' },
      result: 'succeeded',
      sourceIp: null,
    });
  });
});
