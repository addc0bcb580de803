import { generatedCases, handCases, score, total } from '../../bench/geo-cases';

/**
 * Floors under the figures measured by bench/geo-accuracy.ts (hand-written: 100% top-1, 99.6%
 * decided right, no wrong match; generated: 99.1% top-1, 99.9% top-3, 0.1% wrong matches). A
 * change to normalisation or scoring that costs accuracy fails here.
 */
describe('geo resolver accuracy', () => {
  it('hand-written real-world variants: top-1 ≥ 97%, decided right ≥ 95%, no confident wrong match', () => {
    const cases = handCases();
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const t = total(score(cases).categories);
    expect(t.top1 / t.n).toBeGreaterThanOrEqual(0.97);
    expect(t.top3 / t.n).toBeGreaterThanOrEqual(0.99);
    expect(t.decided / t.n).toBeGreaterThanOrEqual(0.95);
    expect(t.wrongMatch).toBe(0);
  });

  it('generated variants (every 20th case): top-1 ≥ 97%, top-3 ≥ 99%, wrong matches ≤ 0.5%', () => {
    const cases = generatedCases().filter((_, i) => i % 20 === 0);
    expect(cases.length).toBeGreaterThan(500);
    const { categories } = score(cases);
    const t = total(categories);
    expect(t.top1 / t.n).toBeGreaterThanOrEqual(0.97);
    expect(t.top3 / t.n).toBeGreaterThanOrEqual(0.99);
    expect(t.wrongMatch / t.n).toBeLessThanOrEqual(0.005);
    // With the wilaya given (how create_order calls it) the exact name always resolves.
    const exact = categories.find((c) => c.category === 'gen: official name + wilaya')!;
    expect(exact.decided).toBe(exact.n);
  });
});
