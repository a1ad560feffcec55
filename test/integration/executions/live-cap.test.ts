/**
 * A saved Max parallel executions applies to the next extraction to start: raised from 2 to 6 in the middle of a run,
 * the run goes from 2 to 6 extractions in flight at Qlik and never beyond.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startExecutions, submitMany, type ExecutionHarness } from './execution-harness.ts';

let harness: ExecutionHarness | undefined;
afterAll(async () => harness?.close());

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('changing Max parallel executions while extractions run', () => {
  it('holds the old cap until the save and the new one after it', async () => {
    // Prepare
    harness = await startExecutions({ limit: 2, processingMs: 200, poll: false });
    const ids = await submitMany(harness, 200);
    await harness.startPolling();
    const h = harness;
    await until(async () => (await h.execution(ids[20]!)).status === 'succeeded', 'the first extractions to finish');
    const peakBefore = h.reports.peakInFlight;

    // Act
    await h.saveLimit(6);
    h.reports.resetPeak();
    const view = (await h.call('GET', '/api/servers/cloud')).json();
    await until(() => h.reports.inFlight === 6, 'six extractions in flight');
    await h.settled(ids, { timeoutMs: 240_000 });

    // Assess
    expect(peakBefore).toBe(2);
    expect(h.reports.peakInFlight).toBe(6);
    expect(view.maxParallelExecutions).toBe(6);
    expect(view.executions.limit).toBe(6);
    expect(Date.parse(view.executions.appliedAt)).not.toBeNaN();
    expect(h.reports.created.length).toBeGreaterThan(0);
  }, 300_000);
});
