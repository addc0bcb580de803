import { AxiosError, AxiosHeaders } from 'axios';
import fc from 'fast-check';
import { toProviderError } from '../../channels/meta/graph-client';
import { makeSignedRequest, parseSignedRequest, signMetaBody, verifyMetaSignature } from '../../channels/meta/signature';
import { channelRegistry } from '../../channels/registry';
import { splitText } from '../../channels/text-split';

describe('splitText', () => {
  it('keeps parts within the limit and never cuts a word (chars and bytes, Latin, Arabic, emoji)', () => {
    const word = fc.constantFrom('salam', 'مرحبا', 'livraison', 'بشحال', 'é', '😊', 'CMD-10482', 'الدفع.', 'ok!');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 400 }), fc.constantFrom(40, 100, 1000), fc.constantFrom('chars' as const, 'bytes' as const), (words, max, unit) => {
        const text = words.join(' ');
        const parts = splitText(text, { max, unit });
        for (const p of parts) {
          expect(unit === 'bytes' ? Buffer.byteLength(p) : [...p].length).toBeLessThanOrEqual(max);
          expect(p).not.toMatch(/\uFFFD/);
        }
        expect(parts.join(' ').split(/\s+/)).toEqual(words);
      }),
      { numRuns: 300 },
    );
  });

  it('prefers a sentence end when it keeps the part reasonably full', () => {
    const a = 'Robe noire T38 disponible.';
    const b = 'Livraison à Sétif 600 DA, paiement cash.';
    // A word boundary later in the window exists, but the sentence end (≥ half the limit) wins.
    expect(splitText(`${a} ${b}`, { max: 50, unit: 'chars' })).toEqual([a, b]);
  });

  it('cuts a single over-long word only between graphemes', () => {
    const parts = splitText('ب'.repeat(30), { max: 25, unit: 'bytes' });
    expect(parts.join('')).toBe('ب'.repeat(30));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(25);
  });

  it('has the documented per-channel limits', () => {
    expect(channelRegistry.whatsapp.textLimit).toEqual({ max: 4096, unit: 'chars' });
    expect(channelRegistry.messenger.textLimit).toEqual({ max: 2000, unit: 'chars' });
    expect(channelRegistry.instagram.textLimit).toEqual({ max: 1000, unit: 'bytes' });
  });
});

describe('Meta signatures', () => {
  it('accepts only the exact raw bytes', () => {
    const raw = Buffer.from('{"text":"\\u00e9\\u0040\\/"}');
    const sig = signMetaBody(raw, 's3cret');
    expect(verifyMetaSignature(raw, sig, ['s3cret'])).toBe(true);
    expect(verifyMetaSignature(Buffer.from(JSON.stringify(JSON.parse(raw.toString()))), sig, ['s3cret'])).toBe(false);
    expect(verifyMetaSignature(raw, sig, ['other', 's3cret'])).toBe(true);
    expect(verifyMetaSignature(raw, undefined, ['s3cret'])).toBe(false);
    expect(verifyMetaSignature(raw, 'sha256=abc', ['s3cret'])).toBe(false);
    expect(verifyMetaSignature(raw, sig, [undefined])).toBe(false);
  });

  it('parses a valid signed_request and rejects tampering', () => {
    const sr = makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: 1795166045, user_id: '10223344' }, 'app');
    expect(parseSignedRequest(sr, 'app')).toMatchObject({ user_id: '10223344' });
    expect(parseSignedRequest(sr, 'other')).toBeNull();
    const [sig, payload] = sr.split('.');
    const forged = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', user_id: '1' })).toString('base64url');
    expect(parseSignedRequest(`${sig}.${forged}`, 'app')).toBeNull();
    expect(parseSignedRequest(`${sig}${payload}`, 'app')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'none', user_id: '1' }, 'app'), 'app')).toBeNull();
  });
});

describe('Graph error classification', () => {
  const graphErr = (status: number, code?: number) =>
    new AxiosError('Request failed', 'ERR_BAD_RESPONSE', undefined, undefined, {
      status, statusText: '', headers: {}, config: { headers: new AxiosHeaders() },
      data: code === undefined ? {} : { error: { message: `(#${code}) x`, type: 'OAuthException', code, fbtrace_id: 'A' } },
    });
  it.each([
    [400, 131056, true], [400, 130429, true], [500, 1, true], [400, 2, true], [400, 4, true], [429, undefined, true], [503, undefined, true],
    [400, 131047, false], [400, 131026, false], [401, 190, false], [400, 10, false], [403, 200, false], [400, 551, false], [400, undefined, false],
  ])('HTTP %i code %s → retryable %s', (status, code, retryable) => {
    const e = toProviderError(graphErr(status, code));
    expect(e.retryable).toBe(retryable);
    expect(e.provider).toBe('meta');
  });
});
