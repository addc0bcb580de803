import crypto from 'node:crypto';

/**
 * X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(raw body, app secret). Computed over the raw
 * bytes as received: Meta signs its escaped form (\uXXXX, \/), so re-serialising a parsed body
 * changes the bytes and the signature (meta-channels.md §1.2).
 */
export function verifyMetaSignature(raw: Buffer, header: string | undefined, secrets: Array<string | undefined>): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const hex = header.slice('sha256='.length).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const got = Buffer.from(hex, 'hex');
  let ok = false;
  // Every secret is tried (no early exit) so timing does not tell which one matched.
  for (const secret of secrets) {
    if (!secret) continue;
    const want = crypto.createHmac('sha256', secret).update(raw).digest();
    if (crypto.timingSafeEqual(got, want)) ok = true;
  }
  return ok;
}

export function signMetaBody(raw: Buffer | string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Constant-time string equality (verify token). */
export function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y) && a.length === b.length;
}

/**
 * Facebook `signed_request` (data deletion / deauthorize): base64url(sig) "." base64url(payload),
 * sig = HMAC-SHA256(payload string as received, app secret). Returns the payload or null.
 */
export function parseSignedRequest(signed: string, secret: string): Record<string, unknown> | null {
  const dot = signed.indexOf('.');
  if (dot < 1 || dot === signed.length - 1) return null;
  const encSig = signed.slice(0, dot);
  const encPayload = signed.slice(dot + 1);
  const sig = Buffer.from(encSig, 'base64url');
  const want = crypto.createHmac('sha256', secret).update(encPayload).digest();
  if (sig.length !== want.length || !crypto.timingSafeEqual(sig, want)) return null;
  try {
    const data = JSON.parse(Buffer.from(encPayload, 'base64url').toString('utf8')) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
    const rec = data as Record<string, unknown>;
    return String(rec.algorithm ?? '').toUpperCase() === 'HMAC-SHA256' ? rec : null;
  } catch {
    return null;
  }
}

export function makeSignedRequest(payload: Record<string, unknown>, secret: string): string {
  const enc = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = crypto.createHmac('sha256', secret).update(enc).digest('base64url');
  return `${sig}.${enc}`;
}
