/**
 * Google's error replies, turned into what the merchant must do. Shapes from reference/apis.md §2.5:
 * gaxios puts the HTTP status on err.status and Google's JSON on err.response.data.
 */
export type SheetProblem =
  | 'not_shared'
  | 'api_disabled'
  | 'not_found'
  | 'invalid_key'
  | 'rate_limited'
  | 'unavailable'
  | 'bad_range'
  /** Not from Google: the merchant moved columns, Wakil holds its writes to that tab (header-check.ts). */
  | 'columns_moved'
  | 'unknown';

export interface ClassifiedError {
  problem: SheetProblem;
  retryable: boolean;
  status?: number;
  /** Seconds from Retry-After, when Google sent one. */
  retryAfterSeconds?: number;
  message: string;
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<{ reason?: string }> };
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

export function retryAfterSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

export function classifyGoogleError(err: unknown, ctx: { clientEmail: string; spreadsheetId: string }): ClassifiedError {
  if (!isGoogleError(err)) {
    return { problem: 'unknown', retryable: false, message: 'Wakil could not sync the sheet because of an internal error; it will try again.' };
  }
  const e = err as { status?: number; code?: string | number; message?: string; response?: { status?: number; data?: unknown; headers?: unknown } };
  const status = e.status ?? e.response?.status ?? (typeof e.code === 'number' ? e.code : undefined);
  const body = (e.response?.data ?? {}) as GoogleErrorBody;
  const gStatus = body.error?.status;
  const reasons = (body.error?.details ?? []).map((d) => d.reason).filter(Boolean);
  const text = `${body.error?.message ?? ''} ${e.message ?? ''}`;
  const retryAfter = retryAfterSeconds(headerOf(e.response?.headers, 'retry-after'));

  if (status === 403 && (reasons.includes('SERVICE_DISABLED') || /has not been used|is disabled/i.test(text))) {
    return {
      problem: 'api_disabled', retryable: false, status,
      message: 'The Google Sheets API is disabled in the Google Cloud project of this service account. Enable "Google Sheets API" in console.cloud.google.com (APIs & Services), wait a minute, then test again.',
    };
  }
  if (status === 403 || gStatus === 'PERMISSION_DENIED') {
    return {
      problem: 'not_shared', retryable: false, status,
      message: `The spreadsheet is not shared with ${ctx.clientEmail}. Open it in Google Sheets, click Share, add ${ctx.clientEmail} as Editor, then test again.`,
    };
  }
  if (status === 404) {
    return {
      problem: 'not_found', retryable: false, status,
      message: `Spreadsheet ${ctx.spreadsheetId} was not found: check the link, or it was deleted. Paste the URL of the spreadsheet again.`,
    };
  }
  if (
    status === 401 ||
    /invalid_grant|invalid jwt|DECODER routines/i.test(text)
  ) {
    return {
      problem: 'invalid_key', retryable: false, status,
      message: `Google rejected the service-account key of ${ctx.clientEmail} (it may have been deleted or replaced). Create a new JSON key for this service account and upload it.`,
    };
  }
  if (status === 429) {
    return {
      problem: 'rate_limited', retryable: true, status, retryAfterSeconds: retryAfter,
      message: 'Google is limiting how often this spreadsheet can be written; Wakil will retry shortly.',
    };
  }
  if (status === 400 && /Unable to parse range/i.test(text)) {
    return { problem: 'bad_range', retryable: true, status, message: 'A tab of the spreadsheet changed while Wakil was writing; it will try again.' };
  }
  if (status === undefined || status === 408 || status >= 500) {
    return {
      problem: 'unavailable', retryable: true, status, retryAfterSeconds: retryAfter,
      message: 'Google Sheets did not answer; Wakil will retry shortly.',
    };
  }
  return { problem: 'unknown', retryable: false, status, message: `Google Sheets refused the request (HTTP ${status}).` };
}

/** An answer (or no answer) from Google, as opposed to a bug or a database error of ours. */
export function isGoogleError(err: unknown): boolean {
  const e = err as { response?: unknown; config?: unknown; code?: unknown; name?: string };
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'GaxiosError' || e.response !== undefined) return true;
  return typeof e.code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(e.code);
}
