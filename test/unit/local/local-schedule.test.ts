import { describe, expect, it } from 'vitest';
import { startLocalSchedule } from '#lib/local/local-schedule.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('the local schedule (lib/local/local-schedule.ts)', () => {
  it('joins a run in progress instead of starting a second one, and stop waits for it', async () => {
    // Prepare
    const gate = deferred();
    let invocations = 0;
    const schedule = startLocalSchedule({
      functionName: 'test',
      intervalMs: 0,
      invoke: () => (invocations++, gate.promise),
    });

    // Act
    const first = schedule.runNow();
    const second = schedule.runNow();
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await Promise.resolve();

    // Assess
    expect(second).toBe(first);
    expect(invocations).toBe(1);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('survives a failing run, and the next run invokes again', async () => {
    let invocations = 0;
    const schedule = startLocalSchedule({
      functionName: 'test',
      intervalMs: 0,
      invoke: async () => {
        invocations++;
        throw new Error('Qlik is down');
      },
    });

    await expect(schedule.runNow()).resolves.toBeUndefined();
    await schedule.runNow();

    expect(invocations).toBe(2);
    await schedule.stop();
  });
});
