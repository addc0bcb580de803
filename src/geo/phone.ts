import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Algerian phone numbers as customers type them ("0550 12 34 56", "+213 (0) 550-12-34-56",
 * "٠٥٥٠١٢٣٤٥٦"). Couriers want the local form 0XXXXXXXXX; we store E.164. The `max` metadata is
 * needed to tell mobile from fixed lines.
 */

export type PhoneType = 'mobile' | 'fixed';

export type PhoneResult =
  | { ok: true; e164: string; local: string; type: PhoneType }
  | { ok: false; code: PhoneErrorCode; reason: string };

export type PhoneErrorCode = 'empty' | 'not_a_number' | 'foreign' | 'two_numbers' | 'bad_mobile' | 'bad_length' | 'invalid';

const MOBILE_RULE = 'a mobile number has 10 digits starting with 05, 06 or 07 (like 0550 12 34 56)';
const FIXED_RULE = 'a landline has 9 digits: 0, a 2-digit area code, then 6 digits (like 021 23 45 67)';

const fail = (code: PhoneErrorCode, reason: string): PhoneResult => ({ ok: false, code, reason });

function toAsciiDigits(s: string): string {
  return s
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\uff10-\uff19]/g, (d) => String(d.charCodeAt(0) - 0xff10));
}

/** National significant number (without the leading 0), or a failure. */
function nationalDigits(input: string): { nsn: string } | { error: PhoneResult } {
  // Bidi marks come along when a number is copied out of Arabic text.
  const s = toAsciiDigits(input).replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (!/\d/.test(s)) return { error: fail(s ? 'not_a_number' : 'empty', s ? `that is not a phone number: ${MOBILE_RULE}` : 'no phone number was given') };
  // Separators people use; anything else (letters, other symbols) means it is not just a number.
  if (/[^\d\s+().\-/–]/.test(s)) return { error: fail('not_a_number', `a phone number should contain only digits: ${MOBILE_RULE}`) };
  if (s.lastIndexOf('+') > 0) return { error: fail('not_a_number', `the + sign belongs only at the start: ${MOBILE_RULE}`) };
  let digits = s.replace(/\D/g, '');
  const international = s.startsWith('+') || digits.startsWith('00');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (international || (digits.startsWith('213') && digits.length >= 11)) {
    if (!digits.startsWith('213')) {
      return { error: fail('foreign', 'only Algerian numbers (+213) can be used for delivery; ' + MOBILE_RULE) };
    }
    digits = digits.slice(3);
    // "+213 0550…": the trunk 0 kept after the country code.
    if (digits.startsWith('0')) digits = digits.slice(1);
    return { nsn: digits };
  }
  if (digits.length === 20 && /^0[567]\d{8}0[567]\d{8}$/.test(digits)) {
    return { error: fail('two_numbers', 'that looks like two numbers: give one phone number') };
  }
  if (!digits.startsWith('0')) {
    // "550123456": the leading 0 forgotten.
    if (/^[567]\d{8}$/.test(digits)) return { nsn: digits };
    return { error: fail('bad_length', `an Algerian number starts with 0: ${MOBILE_RULE}`) };
  }
  return { nsn: digits.slice(1) };
}

/**
 * Normalises an Algerian phone number: `{ ok, e164: '+213550123456', local: '0550123456', type }`,
 * or `{ ok: false, reason }` with a reason the customer can act on. Never throws.
 */
export function normalizePhone(input: unknown): PhoneResult {
  if (typeof input !== 'string' && typeof input !== 'number') return fail('empty', 'no phone number was given');
  const raw = String(input).slice(0, 64);
  const parsed = nationalDigits(raw);
  if ('error' in parsed) return parsed.error;
  const nsn = parsed.nsn;
  const mobileLike = /^[567]/.test(nsn);
  if (mobileLike && nsn.length !== 9) {
    return fail('bad_mobile', `${MOBILE_RULE}; this one has ${nsn.length + 1}`);
  }
  if (!mobileLike && nsn.length !== 8 && !(nsn.startsWith('9') && nsn.length === 9)) {
    return fail('bad_length', `${MOBILE_RULE}, and ${FIXED_RULE}`);
  }
  let phone;
  try {
    phone = parsePhoneNumberFromString(`+213${nsn}`);
  } catch {
    phone = undefined;
  }
  if (!phone || !phone.isValid()) {
    return fail(
      'invalid',
      mobileLike
        ? `0${nsn.slice(0, 3)}… is not an Algerian mobile prefix: ${MOBILE_RULE}`
        : `this is not a valid Algerian number: ${MOBILE_RULE}, and ${FIXED_RULE}`,
    );
  }
  const t = phone.getType();
  const type: PhoneType = t === 'MOBILE' ? 'mobile' : 'fixed';
  return { ok: true, e164: phone.number, local: `0${phone.nationalNumber}`, type };
}

/** True for a number the normaliser accepts as an Algerian mobile. */
export function isAlgerianMobile(input: unknown): boolean {
  const r = normalizePhone(input);
  return r.ok && r.type === 'mobile';
}
