import { backoffDelay, DEFAULT_BACKOFF } from '../../src/sheets/backoff';
import { spreadsheetIdFrom } from '../../src/sheets/client';
import { classifyGoogleError } from '../../src/sheets/google-errors';
import { a1Tab, firstRowOf, orderHeader, STATUS_LABELS } from '../../src/sheets/layout';
import { parseStatusWord } from '../../src/sheets/status-words';

describe('status words typed by merchants', () => {
  it.each([
    ['confirmé', 'confirmed'], ['Confirmée', 'confirmed'], ['CONFIRMEE', 'confirmed'], ['مؤكد', 'confirmed'], ['مؤكدة', 'confirmed'],
    ['تم التأكيد', 'confirmed'], ['confirmed', 'confirmed'], ['annulé', 'cancelled'], ['ملغى', 'cancelled'], ['ملغي', 'cancelled'],
    ['livré', 'delivered'], ['Livrée', 'delivered'], ['تم التوصيل', 'delivered'], ['retour', 'returned'], ['مرتجع', 'returned'],
    ['expédiée', 'shipped'], ['  en   attente ', 'pending'],
  ])('%s → %s', (word, status) => {
    expect(parseStatusWord(word)).toBe(status);
  });

  it('reads back every label Wakil writes, in every language, and nothing else', () => {
    for (const labels of Object.values(STATUS_LABELS)) for (const [status, label] of Object.entries(labels)) expect(parseStatusWord(label)).toBe(status);
    expect(parseStatusWord('peut-être')).toBeNull();
    expect(parseStatusWord('')).toBeNull();
    expect(parseStatusWord('confirmé demain')).toBeNull();
  });
});

describe('sheet helpers', () => {
  it('takes a spreadsheet id from a URL or as is', () => {
    expect(spreadsheetIdFrom('https://docs.google.com/spreadsheets/d/1AbC-dEf_ghIJklmnOPqrs/edit#gid=0')).toBe('1AbC-dEf_ghIJklmnOPqrs');
    expect(spreadsheetIdFrom(' 1AbC-dEf_ghIJklmnOPqrs ')).toBe('1AbC-dEf_ghIJklmnOPqrs');
    expect(spreadsheetIdFrom('https://example.com/x')).toBeNull();
  });

  it('quotes tab titles and reads append ranges', () => {
    expect(a1Tab("Commandes d'Amina")).toBe("'Commandes d''Amina'");
    expect(firstRowOf("'Orders 2026'!A42:N44")).toBe(42);
    expect(firstRowOf('Orders!A7:N7')).toBe(7);
    expect(orderHeader('en')[0]).toBe('Order ID');
  });

  it('honours Retry-After and otherwise backs off exponentially with jitter', () => {
    const rl = { problem: 'rate_limited' as const, retryable: true, retryAfterSeconds: 7, message: '' };
    expect(backoffDelay(0, rl, DEFAULT_BACKOFF, () => 0)).toBe(7000);
    expect(backoffDelay(0, rl, DEFAULT_BACKOFF, () => 1)).toBe(8400);
    const noHint = { problem: 'unavailable' as const, retryable: true, message: '' };
    expect(backoffDelay(3, noHint, DEFAULT_BACKOFF, () => 0)).toBe(2000);
    expect(backoffDelay(3, noHint, DEFAULT_BACKOFF, () => 1)).toBe(4000);
    expect(backoffDelay(20, noHint, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.capMs);
  });

  it('does not mistake our own bugs for Google refusals', () => {
    const who = { clientEmail: 'sa@p.iam.gserviceaccount.com', spreadsheetId: 'x' };
    expect(classifyGoogleError(new TypeError('boom'), who)).toMatchObject({ problem: 'unknown', retryable: false });
    const gaxios = Object.assign(new Error('The caller does not have permission'), {
      name: 'GaxiosError', status: 403, response: { status: 403, data: { error: { code: 403, status: 'PERMISSION_DENIED' } }, headers: new Headers() },
    });
    expect(classifyGoogleError(gaxios, who)).toMatchObject({ problem: 'not_shared', retryable: false });
  });
});
