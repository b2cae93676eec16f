import { onceUnlessFailed } from '../../../src/adapters/once';

describe('onceUnlessFailed', () => {
  it('builds once and shares the value; a failure is not kept: the next call builds again', async () => {
    let calls = 0;
    const outcomes = [new Error('secret unreachable'), 'v1', 'v2'];
    const get = onceUnlessFailed(async () => {
      const o = outcomes[calls++];
      if (o instanceof Error) throw o;
      return o;
    });
    await expect(get()).rejects.toThrow('secret unreachable');
    expect(await get()).toBe('v1');
    expect(await get()).toBe('v1');
    expect(calls).toBe(2);
  });

  it('calls made while the first build is pending share it', async () => {
    let calls = 0;
    const get = onceUnlessFailed(async () => ++calls);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
  });
});
