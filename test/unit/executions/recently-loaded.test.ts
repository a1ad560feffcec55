import { describe, expect, it } from 'vitest';
import { recentlyLoaded } from '#lib/executions/recently-loaded.ts';

describe('a container keeping what it loaded for a few seconds', () => {
  const counting = () => {
    const loads: string[] = [];
    let clock = 0;
    let failNext = false;
    const load = recentlyLoaded(
      async (key: string) => {
        loads.push(key);
        if (failNext) {
          failNext = false;
          throw new Error('DynamoDB unavailable');
        }
        return key === 'missing' ? null : { key, load: loads.length };
      },
      5_000,
      () => clock,
    );
    return {
      load,
      loads,
      advance: (ms: number) => (clock += ms),
      failOnce: () => (failNext = true),
    };
  };

  it('shares one load of a key within the time, concurrent callers included, and loads again after it', async () => {
    const { load, loads, advance } = counting();
    const [a, b] = await Promise.all([load('cloud'), load('cloud')]);
    advance(4_999);
    const c = await load('cloud');
    advance(1);
    const d = await load('cloud');

    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(d).toEqual({ key: 'cloud', load: 2 });
    expect(loads).toEqual(['cloud', 'cloud']);
  });

  it('keeps each key apart, and keeps a missing one (null) as long as a found one', async () => {
    const { load, loads } = counting();
    await load('cloud');
    await load('onprem');
    expect(await load('missing')).toBeNull();
    expect(await load('missing')).toBeNull();
    expect(loads).toEqual(['cloud', 'onprem', 'missing']);
  });

  it('does not keep a failed load: the next call loads again', async () => {
    const { load, loads, failOnce } = counting();
    failOnce();
    await expect(load('cloud')).rejects.toThrow('DynamoDB unavailable');
    expect(await load('cloud')).toEqual({ key: 'cloud', load: 2 });
    expect(loads).toEqual(['cloud', 'cloud']);
  });
});
