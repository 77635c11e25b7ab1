import { medianOf, percentile, selectKth } from '../../src/domain/insights';

it('selects the k-th smallest value as sorting would, duplicates and all', () => {
  let seed = 11;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let trial = 0; trial < 400; trial++) {
    const n = 1 + Math.floor(rand() * 60);
    // Few distinct values half the time: ties are where a selection goes wrong.
    const spreadOf = trial % 2 === 0 ? 5 : 1_000_000;
    const values = Array.from({ length: n }, () => Math.floor(rand() * spreadOf));
    const sorted = [...values].sort((a, b) => a - b);
    const k = Math.floor(rand() * n);
    const a = Float64Array.from(values);
    selectKth(a, k);
    expect(a[k]).toBe(sorted[k]);
    for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
    for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
    expect([...a].sort((x, y) => x - y)).toEqual(sorted);
  }
  // Already sorted, and backwards: the middle pivot keeps both quick.
  const ascending = Float64Array.from({ length: 10_001 }, (_, i) => i);
  selectKth(ascending, 9_000);
  expect(ascending[9_000]).toBe(9_000);
  const descending = Float64Array.from({ length: 10_001 }, (_, i) => 10_000 - i);
  selectKth(descending, 5_000);
  expect(descending[5_000]).toBe(5_000);
});

it('takes the median and the nearest-rank percentile of sorted values', () => {
  expect(medianOf([1, 2, 3, 10])).toBe(2.5);
  expect(medianOf([1, 2, 10])).toBe(2);
  expect(medianOf([])).toBeNull();
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  expect(percentile([7], 90)).toBe(7);
  expect(percentile([], 90)).toBeNull();
});
