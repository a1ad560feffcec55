/**
 * Max parallel executions is exact at Qlik's side: the Reports API simulator counts reports in flight, and for each
 * N the peak equals N, never N + 1, while 200 extractions of 200 ms run through the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startExecutions, submitMany, type ExecutionHarness } from './execution-harness.ts';

let harness: ExecutionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Max parallel executions', () => {
  it.each([1, 2, 4, 8])(
    'runs 200 extractions with at most %i in flight at Qlik, and exactly that many at the peak',
    async (limit) => {
      // Prepare
      harness = await startExecutions({ limit, processingMs: 200, poll: false });
      const ids = await submitMany(harness, 200);

      // Act
      await harness.startPolling();
      const finished = await harness.settled(ids, { timeoutMs: 560_000 });

      // Assess
      expect(finished.every((e) => e.status === 'succeeded')).toBe(true);
      expect(harness.reports.created).toHaveLength(200);
      expect(harness.reports.peakInFlight).toBe(limit);
      const server = (await harness.call('GET', '/api/servers/cloud')).json();
      expect(server.executions).toMatchObject({ limit, running: 0, queued: 0 });
    },
    600_000,
  );
});
