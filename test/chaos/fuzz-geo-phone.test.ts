import fc from 'fast-check';
import { normalizePhone, isAlgerianMobile } from '../../src/geo/phone';
import { resolveCommune, resolveWilaya, searchCommunes, type CommuneMatch, type WilayaMatch } from '../../src/geo/resolve';

/**
 * Adversarial input for the two parsers that see raw customer text through the agent's tools:
 * whatever a customer (or a model) types, they answer with a well-formed result, never a throw.
 * test/unit/geo-resolve.test.ts and phone.test.ts cover plain random strings; this adds the
 * nasty ones: control characters, lone surrogates, bidi and zero-width marks, combining marks,
 * emoji sequences, mixed scripts and very long inputs.
 */

const NASTY = [
  '\u0000', '\u0007', '\u001b[31m', '\t', '\r\n', '\u2028', '\u2029', '\ufeff', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f',
  '\u202a', '\u202b', '\u202e', '\u2066', '\u2069', '\ud800', '\udfff', '\ufffd', '\u0301', '\u0651', '\u064b', '\u0640',
  '👨‍👩‍👧‍👦', '🇩🇿', '😊', '🏍️', '٠٥٥٠', '۰۶۶۱', '０５５０', '+', '++213', '(0)', '-', '/', '%', '\\', '"', "'", '’', '«', '»',
  'الجزائر', 'وهران', 'باب الزوار', 'بئر مراد رايس', 'تيزي وزو', 'ولاية', 'بلدية', 'Alger', 'Bab Ezzouar', 'Béjaïa', 'Tizi-Ouzou',
  'wilaya 16', '16', '58', '69', '0', '-1', '999', '1e9', 'NaN', 'null', 'undefined', '__proto__', 'constructor', 'toString',
  '0550 12 34 56', '+213 550 12 34 56', '00213550123456', '0550123456 0661234567', 'ب', 'ة', 'ﻻ', 'ﷺ', 'ǅ', 'ß', 'İ', 'ﬁ',
];

/** Strings built from pieces that stress normalisation, mixed with fast-check's own generators. */
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...NASTY), { maxLength: 12 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 6 })), { maxLength: 10 }).map((a) => a.join(' ')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x0600, max: 0x06ff }).map((c) => String.fromCharCode(c)), maxLength: 50 }) },
  // Very long: a pasted paragraph, or an attacker.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.integer({ min: 200, max: 2000 })).map(([s, n]) => s.repeat(n)) },
);

const KINDS = ['match', 'ambiguous', 'not_found'];

function wellFormedWilaya(w: WilayaMatch) {
  expect(w.code).toMatch(/^(0[1-9]|[1-5]\d|6[0-9])$/);
  expect(Number(w.code)).toBeLessThanOrEqual(69);
  expect(w.courierWilaya).toBeGreaterThanOrEqual(1);
  expect(w.courierWilaya).toBeLessThanOrEqual(58);
  expect(w.nameFr.length).toBeGreaterThan(0);
  expect(w.nameAr.length).toBeGreaterThan(0);
  expect(w.score).toBeGreaterThanOrEqual(0);
  expect(w.score).toBeLessThanOrEqual(1);
}

function wellFormedCommune(c: CommuneMatch) {
  expect(c.code).toMatch(/^\d{4,5}$/);
  expect(c.wilaya).toMatch(/^\d{2}$/);
  expect(c.courierWilaya).toBeGreaterThanOrEqual(1);
  expect(c.courierWilaya).toBeLessThanOrEqual(58);
  expect(c.nameFr.length).toBeGreaterThan(0);
  expect(Number.isFinite(c.score)).toBe(true);
  expect(c.score).toBeGreaterThanOrEqual(0);
  expect(c.score).toBeLessThanOrEqual(1);
}

const sortedDesc = (xs: Array<{ score: number }>) => xs.every((x, i) => i === 0 || xs[i - 1]!.score >= x.score);

describe('fuzz: geo resolver', () => {
  it('resolveWilaya / resolveCommune / searchCommunes never throw and return well-formed results', () => {
    const wilayaHint = fc.option(fc.oneof(nastyString, fc.integer({ min: -100, max: 200 }), fc.constantFrom('16', 'Alger', 'وهران', '٣١')), { nil: undefined });
    fc.assert(
      fc.property(nastyString, wilayaHint, (q, w) => {
        const r = resolveWilaya(q);
        expect(KINDS).toContain(r.kind);
        expect(typeof r.message).toBe('string');
        expect(r.message.length).toBeGreaterThan(0);
        r.ranked.forEach(wellFormedWilaya);
        expect(sortedDesc(r.ranked)).toBe(true);
        if (r.kind === 'match') wellFormedWilaya(r.wilaya);
        if (r.kind === 'ambiguous') expect(r.candidates.length).toBeGreaterThan(0);

        const c = resolveCommune(q, { wilaya: w });
        expect(KINDS).toContain(c.kind);
        expect(c.message.length).toBeGreaterThan(0);
        expect(c.ranked.length).toBeLessThanOrEqual(10);
        c.ranked.forEach(wellFormedCommune);
        expect(sortedDesc(c.ranked)).toBe(true);
        if (c.kind === 'match') {
          wellFormedCommune(c.commune);
          // Restricted to a wilaya that was understood: the match lies in it.
          if (c.wilaya) expect([c.commune.wilaya, c.commune.wilayaBefore]).toContain(c.wilaya.code);
        }
        if (c.kind === 'ambiguous') expect(c.candidates.length).toBeGreaterThan(0);

        const list = searchCommunes(q, { wilaya: w, limit: 5 });
        expect(list.length).toBeLessThanOrEqual(5);
        list.forEach(wellFormedCommune);
        // Deterministic: the same text gets the same decision.
        expect(resolveCommune(q, { wilaya: w }).kind).toBe(c.kind);
      }),
      { numRuns: 200, seed: 4242 },
    );
  });
});

describe('fuzz: phone normaliser', () => {
  const anyInput = fc.oneof(
    { weight: 6, arbitrary: nastyString },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789+ ()-./٠١٢٣٤٥٦٧٨٩۰۵۶۷\u200f\u202a'.split('')), maxLength: 40 }) },
    { weight: 1, arbitrary: fc.anything() },
  );

  it('never throws; ok results are E.164 +213 with a matching local form, failures carry a code and a reason', () => {
    fc.assert(
      fc.property(anyInput, (s) => {
        const r = normalizePhone(s);
        expect(typeof isAlgerianMobile(s)).toBe('boolean');
        if (r.ok) {
          expect(r.e164).toMatch(/^\+213\d{8,9}$/);
          expect(r.local).toBe(`0${r.e164.slice(4)}`);
          expect(['mobile', 'fixed']).toContain(r.type);
          if (r.type === 'mobile') expect(r.local).toMatch(/^0[567]\d{8}$/);
          // Idempotent: the normalised forms normalise to themselves.
          expect(normalizePhone(r.local)).toEqual(r);
          expect(normalizePhone(r.e164)).toEqual(r);
          expect(isAlgerianMobile(s)).toBe(r.type === 'mobile');
        } else {
          expect(['empty', 'not_a_number', 'foreign', 'two_numbers', 'bad_mobile', 'bad_length', 'invalid']).toContain(r.code);
          expect(typeof r.reason).toBe('string');
          expect(r.reason.length).toBeGreaterThan(0);
          expect(isAlgerianMobile(s)).toBe(false);
        }
      }),
      { numRuns: 800, seed: 2131 },
    );
  });
});
