import fc from 'fast-check';
import { isAlgerianMobile, normalizePhone } from '../../src/geo/phone';

describe('normalizePhone', () => {
  it.each([
    ['0550 12 34 56', '+213550123456', '0550123456', 'mobile'],
    ['0550.12.34.56', '+213550123456', '0550123456', 'mobile'],
    ['0550-12-34-56', '+213550123456', '0550123456', 'mobile'],
    ['+213 550 12 34 56', '+213550123456', '0550123456', 'mobile'],
    ['+213550123456', '+213550123456', '0550123456', 'mobile'],
    ['00213550123456', '+213550123456', '0550123456', 'mobile'],
    ['00 213 550 12 34 56', '+213550123456', '0550123456', 'mobile'],
    ['213550123456', '+213550123456', '0550123456', 'mobile'],
    ['+213 (0) 550 12 34 56', '+213550123456', '0550123456', 'mobile'],
    ['(0550) 12 34 56', '+213550123456', '0550123456', 'mobile'],
    ['550123456', '+213550123456', '0550123456', 'mobile'],
    ['٠٥٥٠١٢٣٤٥٦', '+213550123456', '0550123456', 'mobile'],
    ['۰۶۶۱ ۲۳ ۴۵ ۶۷', '+213661234567', '0661234567', 'mobile'],
    ['\u200f+213 661 23 45 67\u200e', '+213661234567', '0661234567', 'mobile'],
    ['07 70 12 34 56', '+213770123456', '0770123456', 'mobile'],
    ['0560 12 34 56', '+213560123456', '0560123456', 'mobile'],
    ['021 23 45 67', '+21321234567', '021234567', 'fixed'],
    ['(021) 23-45-67', '+21321234567', '021234567', 'fixed'],
    ['+213 38 12 34 56', '+21338123456', '038123456', 'fixed'],
  ])('%s → %s', (input, e164, local, type) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164, local, type });
  });

  it.each([
    ['', 'empty', /no phone number/],
    ['   ', 'empty', /no phone number/],
    ['abc', 'not_a_number', /not a phone number/],
    ['0550 12 34 5x', 'not_a_number', /only digits/],
    ['055012345', 'bad_mobile', /10 digits starting with 05, 06 or 07.*this one has 9/],
    ['05501234567', 'bad_mobile', /this one has 11/],
    ['+213 550 12 34 5', 'bad_mobile', /this one has 9/],
    ['0510 12 34 56', 'invalid', /0510… is not an Algerian mobile prefix/],
    ['+33 6 12 34 56 78', 'foreign', /only Algerian numbers \(\+213\)/],
    ['0550123456 0661234567', 'two_numbers', /two numbers/],
    ['12345', 'bad_length', /starts with 0/],
    ['0212', 'bad_length', /10 digits starting with 05, 06 or 07.*landline has 9 digits/],
  ])('rejects %j (%s) with a reason the customer can act on', (input, code, reason) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.reason).toMatch(reason);
  });

  it('rejects non-strings without throwing', () => {
    expect(normalizePhone(undefined).ok).toBe(false);
    expect(normalizePhone(null).ok).toBe(false);
    expect(normalizePhone({}).ok).toBe(false);
    expect(normalizePhone(550123456)).toMatchObject({ ok: true, local: '0550123456' });
  });

  it('isAlgerianMobile is true for mobiles only', () => {
    expect(isAlgerianMobile('0661 23 45 67')).toBe(true);
    expect(isAlgerianMobile('021 23 45 67')).toBe(false);
    expect(isAlgerianMobile('nope')).toBe(false);
  });
});

describe('phone properties', () => {
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789+ ()-.٠٥٦۰۷'.split('')) })), (s) => {
        const r = normalizePhone(s);
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) expect(r.e164).toMatch(/^\+213\d{8,9}$/);
        else expect(r.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  // Operator ranges libphonenumber's metadata accepts: 054[0-29], 055x, 056[0-4], 06xx, 07[7-9]x.
  const prefix = fc.constantFrom('540', '541', '542', '549', '550', '555', '559', '560', '564', '660', '661', '669', '696', '770', '779', '790', '799');
  const rest = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 6, maxLength: 6 });
  const style = fc.constantFrom('local', 'spaced', 'dotted', 'intl', 'intl00', 'bare213', 'arabic', 'persian', 'trunk');

  it('valid mobiles round-trip whatever the formatting', () => {
    fc.assert(
      fc.property(prefix, rest, style, (p, r, st) => {
        const nsn = p + r;
        const local = `0${nsn}`;
        const written = {
          local,
          spaced: `${local.slice(0, 4)} ${local.slice(4, 6)} ${local.slice(6, 8)} ${local.slice(8)}`,
          dotted: `${local.slice(0, 4)}.${local.slice(4, 6)}.${local.slice(6, 8)}.${local.slice(8)}`,
          intl: `+213 ${nsn}`,
          intl00: `00213${nsn}`,
          bare213: `213${nsn}`,
          arabic: local.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))),
          persian: local.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d))),
          trunk: `+213 (0)${nsn}`,
        }[st];
        expect(normalizePhone(written)).toEqual({ ok: true, e164: `+213${nsn}`, local, type: 'mobile' });
      }),
      { numRuns: 400, seed: 11 },
    );
  });
});
