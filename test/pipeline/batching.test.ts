import { batchCount, batchLabel, sliceBatches, waves } from '../../shared/pipeline/batching';

describe('batching', () => {
  it('covers every record exactly once, in order', () => {
    const batches = sliceBatches('snap/', 'assets', 1001, 100);
    expect(batches).toHaveLength(11);
    expect(batchCount(1001, 100)).toBe(11);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(1001);
    batches.forEach((b, i) => expect(b.offset).toBe(i * 100));
    expect(batches.at(-1)).toEqual({
      snapshotPath: 'snap/',
      resource: 'assets',
      offset: 1000,
      count: 1,
    });
  });

  it('makes no batch for no records', () => {
    expect(sliceBatches('s', 'assets', 0, 10)).toEqual([]);
    expect(batchCount(0, 10)).toBe(0);
  });

  it('refuses sizes that cannot make progress', () => {
    expect(() => sliceBatches('s', 'assets', 10, 0)).toThrow(/batch size/);
    expect(() => sliceBatches('s', 'assets', -1, 10)).toThrow(/total/);
    expect(() => waves([1], 0)).toThrow(/parallelism/);
  });

  it('groups into waves of bounded parallelism', () => {
    expect(waves([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(waves([], 3)).toEqual([]);
  });

  it('labels a batch briefly', () => {
    expect(
      batchLabel({ snapshotPath: 's', resource: 'streamingLocators', offset: 50, count: 25 }),
    ).toBe('streamingLocators[50+25]');
  });
});
