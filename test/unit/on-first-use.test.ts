import { describe, expect, it } from 'vitest';
import { builtOnFirstCall, onFirstUse } from '#lib/on-first-use.ts';

class Counter {
  private count = 0;
  async add(step: number): Promise<number> {
    this.count += step;
    return this.count;
  }
}

describe('building what a cold start does not need on its first use (lib/on-first-use.ts)', () => {
  it('builds once, and tries again after a failed build', async () => {
    let builds = 0;
    const load = onFirstUse(async () => {
      builds++;
      if (builds === 1) throw new Error('import failed');
      return { built: builds };
    });

    await expect(load()).rejects.toThrow('import failed');
    const [first, second] = await Promise.all([load(), load()]);

    expect(first).toEqual({ built: 2 });
    expect(second).toBe(first);
    expect(builds).toBe(2);
  });

  it('builds a service on its first method call, sends every call to that one instance, and is no thenable', async () => {
    let builds = 0;
    const counter = builtOnFirstCall(async () => {
      builds++;
      return new Counter();
    });

    expect(builds).toBe(0);
    const awaited = await counter;
    const results = await Promise.all([counter.add(1), counter.add(2)]);

    expect(awaited).toBe(counter);
    expect(builds).toBe(1);
    expect(results.sort()).toEqual([1, 3]);
    expect(await counter.add(10)).toBe(13);
  });
});
