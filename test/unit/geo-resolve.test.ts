import fc from 'fast-check';
import { resolveCommune, resolveWilaya, searchCommunes } from '../../src/geo/resolve';

function matchedCode(r: ReturnType<typeof resolveCommune>): string | null {
  return r.kind === 'match' ? r.commune.code : null;
}

describe('resolveCommune', () => {
  it('matches French, glued, Arabic and Darija spellings of the same commune', () => {
    for (const q of ['Bir Mourad Raïs', 'bir mourad rais', 'birmouradrais', 'بئر مراد رايس', 'BIR-MOURAD-RAIS', 'Birmandreis']) {
      expect([q, matchedCode(resolveCommune(q))]).toEqual([q, '1609']);
    }
    for (const q of ['ouled fayet', 'wled fayet', 'oulad fayet']) expect([q, matchedCode(resolveCommune(q))]).toEqual([q, '1651']);
    for (const q of ['bab ezzouar', 'bab zouar', 'bab ez-zouar', 'باب الزوار']) expect([q, matchedCode(resolveCommune(q))]).toEqual([q, '1621']);
  });

  it('returns the commune with its wilaya, courier wilaya and a score', () => {
    const r = resolveCommune('el harrach');
    expect(r.kind).toBe('match');
    if (r.kind !== 'match') return;
    expect(r.commune).toMatchObject({ code: '1613', nameFr: 'El Harrach', nameAr: 'الحراش', wilaya: '16', wilayaNameFr: 'Alger', wilayaBefore: null, courierWilaya: 16 });
    expect(r.commune.score).toBeGreaterThan(0.9);
    expect(r.message).toContain('El Harrach (1613, wilaya 16 Alger)');
    expect(r.ranked[0]!.code).toBe('1613');
  });

  it('calls homonyms across wilayas ambiguous without a wilaya, and resolves them with one', () => {
    const r = resolveCommune('El Eulma');
    expect(r.kind).toBe('ambiguous');
    if (r.kind !== 'ambiguous') return;
    expect(r.candidates.map((c) => c.code).sort()).toEqual(['1920', '2304']);
    expect(r.message).toMatch(/ambiguous: El Eulma \(1920, wilaya 19 Sétif\) or El Eulma \(2304, wilaya 23 Annaba\)\. Ask the customer for the wilaya/);
    expect(matchedCode(resolveCommune('el eulma', { wilaya: '19' }))).toBe('1920');
    expect(matchedCode(resolveCommune('l3alma', { wilaya: 'setif' }))).toBe('1920');
    expect(matchedCode(resolveCommune('el eulma', { wilaya: 'annaba' }))).toBe('2304');
    expect(resolveCommune('ain benian').kind).toBe('ambiguous');
    expect(matchedCode(resolveCommune('3in benian', { wilaya: '16' }))).toBe('1644');
  });

  it('lists the options when a partial name fits several communes of the wilaya', () => {
    const r = resolveCommune('bordj', { wilaya: '16' });
    expect(r.kind).toBe('ambiguous');
    if (r.kind !== 'ambiguous') return;
    expect(r.candidates.map((c) => c.nameFr)).toEqual(expect.arrayContaining(['Bordj El Kiffan', 'Bordj-El-Bahri']));
    expect(r.message).toMatch(/^commune 'bordj' is ambiguous in wilaya 16 Alger: .*Bordj El Kiffan \(1630\).* or .*\. Ask the customer which one$/);
  });

  it('says so when the commune is plainly in another wilaya than the one given', () => {
    const r = resolveCommune('bab ezzouar', { wilaya: '31' });
    expect(r.kind).toBe('not_found');
    if (r.kind !== 'not_found') return;
    expect(r.suggestions[0]).toMatchObject({ code: '1621', wilaya: '16' });
    expect(r.message).toContain('is not a commune of wilaya 31 Oran: Bab Ezzouar (1621, wilaya 16 Alger) is in another wilaya');
  });

  it('finds a commune moved in 2026 under its former or its new wilaya, and says both', () => {
    for (const w of ['28', '68', 'msila', 'bou saada', undefined]) {
      const r = resolveCommune('bousaada', { wilaya: w });
      expect([w, matchedCode(r)]).toEqual([w, '2820']);
      if (r.kind !== 'match') continue;
      expect(r.commune).toMatchObject({ wilaya: '68', wilayaBefore: '28', courierWilaya: 28 });
      expect(r.message).toContain('since the 2026 reform it is in wilaya 68 Bou Saâda, couriers still file it under wilaya 28 M’Sila');
    }
    expect(matchedCode(resolveCommune('barika', { wilaya: '05' }))).toBe('0542');
  });

  it('gives suggestions and an actionable message when nothing fits', () => {
    const r = resolveCommune('qwxzvbnm', { wilaya: '16' });
    expect(r.kind).toBe('not_found');
    expect(r.message).toMatch(/no commune matches 'qwxzvbnm' in wilaya 16 Alger.*Ask the customer to spell it/);
    const empty = resolveCommune('  ');
    expect(empty.kind).toBe('not_found');
    expect(empty.message).toBe('no commune name given');
  });

  it('searches everywhere, and says so, when the wilaya is not understood', () => {
    const r = resolveCommune('bab ezzouar', { wilaya: 'zzzzzz' });
    expect(matchedCode(r)).toBe('1621');
    expect(r.wilaya).toBeNull();
    expect(r.message).toMatch(/^wilaya 'zzzzzz' was not understood, so all wilayas were searched/);
  });

  it('searchCommunes ranks best first and honours the wilaya and the limit', () => {
    const all = searchCommunes('sidi', { limit: 5 });
    expect(all).toHaveLength(5);
    expect(all.map((c) => c.score)).toEqual([...all.map((c) => c.score)].sort((a, b) => b - a));
    const inOran = searchCommunes('senia', { wilaya: 31 });
    expect(inOran[0]).toMatchObject({ code: '3105', nameFr: 'Es Senia' });
    expect(inOran.every((c) => c.wilaya === '31')).toBe(true);
  });
});

describe('resolveWilaya', () => {
  it.each([
    ['16', '16'], ['w16', '16'], ['W 16', '16'], ['wilaya 16', '16'], ['16 - Alger', '16'], ['dzayer', '16'], ['el djazair', '16'],
    ['الجزائر', '16'], ['ولاية ١٦', '16'], ['wahran', '31'], ['oran', '31'], ['3in temouchent', '46'], ['tizi', '15'], ['sba', '22'],
    ['qsantina', '25'], ['bgayet', '06'], ['stif', '19'], ['el asnam', '02'], ["m'sila", '28'], ['M’Sila', '28'], ['5', '05'], ['69', '69'],
  ])('%s → %s', (q, code) => {
    const r = resolveWilaya(q);
    expect(r.kind).toBe('match');
    if (r.kind === 'match') expect(r.wilaya.code).toBe(code);
  });

  it('flags a number that contradicts the name', () => {
    const r = resolveWilaya('16 - Oran');
    expect(r.kind).toBe('ambiguous');
    if (r.kind === 'ambiguous') expect(r.candidates.map((c) => c.code)).toEqual(['16', '31']);
  });

  it('is ambiguous for "bordj" (34 or 50) and explains a number out of range', () => {
    const b = resolveWilaya('bordj');
    expect(b.kind).toBe('ambiguous');
    if (b.kind === 'ambiguous') expect(b.candidates.map((c) => c.code).sort()).toEqual(['34', '50']);
    const n = resolveWilaya('99');
    expect(n.kind).toBe('not_found');
    expect(n.message).toMatch(/no wilaya number 99: wilayas are numbered 01 to 69/);
  });

  it('points to the wilaya when given a commune instead', () => {
    const r = resolveWilaya('Bab Ezzouar');
    expect(r.kind).toBe('not_found');
    if (r.kind !== 'not_found') return;
    expect(r.suggestions[0]?.code).toBe('16');
    expect(r.message).toContain('Bab Ezzouar is a commune of wilaya 16 Alger');
  });

  it('gives the courier number for new wilayas', () => {
    const r = resolveWilaya('Bou Saada');
    expect(r.kind === 'match' && r.wilaya).toMatchObject({ code: '68', courierWilaya: 28 });
  });
});

describe('properties', () => {
  const kinds = ['match', 'ambiguous', 'not_found'];
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(...'abcdeilnorstu3795 -’\'ابتجدرسعلمنهوي٠١٦'.split('')), maxLength: 25 }),
  );

  it('never throws and always returns one of the three kinds, with a message', () => {
    fc.assert(
      fc.property(text, fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: -5, max: 80 })), { nil: undefined }), (q, w) => {
        const c = resolveCommune(q, { wilaya: w });
        expect(kinds).toContain(c.kind);
        expect(typeof c.message).toBe('string');
        expect(c.message.length).toBeGreaterThan(0);
        const r = resolveWilaya(q);
        expect(kinds).toContain(r.kind);
        for (const x of c.ranked) expect(x.score).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });

  it('a very long query is cut short and still answered', () => {
    const r = resolveCommune('bab ezzouar '.repeat(500));
    expect(kinds).toContain(r.kind);
  });
});
