import { binCounts, binOf, featureReference, psi } from '../../../../src/domain/models/drift';

describe('drift (population stability index)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('a reference is the deciles of the values and the share in each bin', () => {
    const ref = featureReference(oneToHundred);
    expect(ref.edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(ref.shares).toEqual(Array(10).fill(0.1));
  });

  it('the order of the values does not matter', () => {
    const shuffled = [...oneToHundred].sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101));
    expect(shuffled).not.toEqual(oneToHundred);
    expect(featureReference(shuffled)).toEqual(featureReference(oneToHundred));
  });

  it('ties merge bins: a feature with few distinct values has fewer bins', () => {
    const ref = featureReference([0, 0, 0, 0, 0, 0, 0, 1, 1, 2]);
    expect(ref.edges).toEqual([0, 1]);
    expect(ref.shares).toEqual([0.7, 0.2, 0.1]);
    expect(() => featureReference([])).toThrow('needs values');
  });

  it('a value on an edge falls in that bin; above the last edge, in the open last bin', () => {
    expect(binOf([10, 20], 10)).toBe(0);
    expect(binOf([10, 20], 10.5)).toBe(1);
    expect(binOf([10, 20], 20)).toBe(1);
    expect(binOf([10, 20], 21)).toBe(2);
    expect(binOf([10, 20], -5)).toBe(0);
    expect(binCounts([10, 20], [1, 10, 11, 20, 30, 40])).toEqual([2, 2, 2]);
  });

  it('the same distribution has PSI 0; a shift has the PSI of its formula', () => {
    const ref = featureReference(oneToHundred);
    expect(psi(ref, binCounts(ref.edges, oneToHundred))).toBe(0);
    const half = { edges: [0], shares: [0.5, 0.5] };
    const expected = (0.9 - 0.5) * Math.log(0.9 / 0.5) + (0.1 - 0.5) * Math.log(0.1 / 0.5);
    expect(psi(half, [90, 10])).toBeCloseTo(expected, 12);
  });

  it('an empty bin counts as a large shift, not an infinity; no observations, no drift', () => {
    const half = { edges: [0], shares: [0.5, 0.5] };
    const v = psi(half, [100, 0]);
    const expected = (1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5);
    expect(v).toBeCloseTo(expected, 12);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0.25);
    expect(psi(half, [0, 0])).toBe(0);
  });
});
