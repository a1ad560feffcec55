import { describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError, ValidationError } from '#lib/errors.ts';
import type { ExecutionQueue, ExecutionStore } from '#lib/executions/execution-ports.ts';
import { ExecutionService } from '#lib/executions/execution-service.ts';
import type { ExecutionMessage, ExecutionRecord } from '#lib/executions/execution-types.ts';
import type { ServerRecord } from '#lib/servers/server-record.ts';

function fakes(options: { failSend?: boolean } = {}) {
  const records = new Map<string, ExecutionRecord>();
  const sent: ExecutionMessage[] = [];
  const executions = {
    create: async (record: ExecutionRecord) =>
      records.has(record.executionId) ? false : (records.set(record.executionId, record), true),
    get: async (id: string) => records.get(id) ?? null,
    remove: async (id: string) => void records.delete(id),
  } as unknown as ExecutionStore;
  const queue = {
    send: async (message: ExecutionMessage) => {
      if (options.failSend) throw new Error('SQS is down');
      sent.push(message);
    },
  } as unknown as ExecutionQueue;
  const service = new ExecutionService({
    executions,
    queue,
    results: { get: async () => null, put: async () => undefined },
    slots: {
      state: async () => ({ limit: null, appliedAt: null, running: 0 }),
      tryAcquire: async () => null,
      setLimit: async () => undefined,
    },
    loadServer: async (id) => ({ id, type: id, settings: { maxParallelExecutions: 4 } }) as unknown as ServerRecord,
  });
  return { service, records, sent };
}

describe('submitting extractions', () => {
  it('queues a new extraction once per executionId', async () => {
    // Prepare
    const { service, sent } = fakes();
    const executionId = '5b2f8d3e-0c1a-4e6b-9a7d-2f3e4d5c6b7a';

    // Act
    const first = await service.submit('cloud', { executionId, appId: 'app-1', kind: 'image', objectId: 'chart-1' });
    const second = await service.submit('cloud', { executionId, appId: 'app-1', kind: 'image', objectId: 'chart-1' });

    // Assess
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(sent).toEqual([{ executionId, serverId: 'cloud' }]);
  });

  it('answers 422 for an on-premise image or PDF, which needs a headless browser (a later issue), and queues on-premise data', async () => {
    const { service, sent } = fakes();
    await expect(
      service.submit('onprem', { appId: 'app-1', kind: 'image', objectId: 'chart-1' }),
    ).rejects.toBeInstanceOf(UnprocessableError);
    await expect(service.submit('onprem', { appId: 'app-1', kind: 'pdf', sheetId: 'sheet-1' })).rejects.toThrow(
      /headless browser/,
    );
    expect(sent).toEqual([]);
    const data = await service.submit('onprem', { appId: 'app-1', kind: 'data', objectId: 'table-1' });
    expect(sent).toEqual([{ executionId: data.record.executionId, serverId: 'onprem' }]);
  });

  it('names each bad field and changes nothing', async () => {
    const { service, records } = fakes();
    const error = await service
      .submit('cloud', { appId: '', kind: 'pdf', selections: [{ field: 'Region', values: [] }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect([...new Set((error as ValidationError).errors.map((e) => e.field))].sort()).toEqual([
      'appId',
      'selections.0.values',
      'sheetId',
    ]);
    expect(records.size).toBe(0);
  });

  it('leaves no execution behind when the message cannot be queued', async () => {
    const { service, records } = fakes({ failSend: true });
    await expect(service.submit('cloud', { appId: 'app-1', kind: 'data', objectId: 'table-1' })).rejects.toThrow(
      'SQS is down',
    );
    expect(records.size).toBe(0);
  });

  it('refuses a result before the extraction succeeded', async () => {
    const { service } = fakes();
    const { record } = await service.submit('cloud', { appId: 'app-1', kind: 'data', objectId: 'table-1' });
    await expect(service.result(record.executionId)).rejects.toBeInstanceOf(ConflictError);
  });
});
