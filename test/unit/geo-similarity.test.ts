import fc from 'fast-check';
import { distanceLowerBound, histogram, osaDistance, similarity, similarityWithin } from '../../src/geo/similarity';

describe('osaDistance / similarity', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit', () => {
    expect(osaDistance('setif', 'setif')).toBe(0);
    expect(osaDistance('stif', 'setif')).toBe(1);
    expect(osaDistance('kouba', 'koubba')).toBe(1);
    expect(osaDistance('oran', 'oarn')).toBe(1);
    expect(osaDistance('blida', 'bilda')).toBe(1);
    expect(osaDistance('', 'abc')).toBe(3);
    expect(osaDistance('abcdef', 'uvwxyz', 2)).toBe(3);
    expect(similarity('hydra', 'hydra')).toBe(1);
    expect(similarity('abc', 'xyz')).toBe(0);
    expect(similarity('chraga', 'cheraga')).toBeCloseTo(6 / 7);
  });

  it('the character-count bound never exceeds the distance, so pruning loses nothing', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abdeilmnorstu'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        const d = osaDistance(a, b);
        expect(distanceLowerBound(histogram(a), histogram(b))).toBeLessThanOrEqual(d);
        expect(osaDistance(a, b)).toBe(osaDistance(b, a));
        const s = similarityWithin(a, histogram(a), b, histogram(b), 0.5);
        expect(s === 0 || Math.abs(s - similarity(a, b)) < 1e-9).toBe(true);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
