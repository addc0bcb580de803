import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Google Sheets API v4 (the subset Wakil uses) on 127.0.0.1, speaking the wire format of
 * reference/apis.md §2.4–2.5: spreadsheets.get / batchUpdate (addSheet, updateCells, repeatCell,
 * updateSheetProperties, deleteSheet), values get / update / append / batchGet / batchUpdate with
 * A1 ranges, Google's error bodies. Every request must carry a self-signed RS256 JWT from a trusted
 * service account, verified against its public key. Faults are scripted; helpers play the merchant
 * (sort, insert, delete rows, rename a tab, type in a cell). Write requests are counted.
 */

export interface ServiceAccountJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

/** A throwaway service account: a fresh RSA key pair and the key-file JSON Google would give. */
export function newServiceAccount(name = 'wakil-sync'): { json: ServiceAccountJson; publicKeyPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const project = 'boutique-test-123';
  return {
    publicKeyPem: publicKey,
    json: {
      type: 'service_account',
      project_id: project,
      private_key_id: crypto.randomBytes(20).toString('hex'),
      private_key: privateKey,
      client_email: `${name}-${crypto.randomBytes(3).toString('hex')}@${project}.iam.gserviceaccount.com`,
      client_id: String(crypto.randomInt(1e9, 2e9)),
      token_uri: 'https://oauth2.googleapis.com/token',
    },
  };
}

type Value = string | number | boolean;
interface Cell {
  value?: Value;
  note?: string;
}
interface Tab {
  sheetId: number;
  title: string;
  frozenRowCount: number;
  rows: Cell[][];
}
interface Spreadsheet {
  id: string;
  title: string;
  tabs: Tab[];
  access: Map<string, 'writer' | 'reader'>;
}

export interface FaultSpec {
  status: number;
  /** Retry-After header value in seconds. */
  retryAfter?: number;
  /** Which requests it hits (default 'any'). */
  on?: 'read' | 'write' | 'append' | 'any';
  /** Apply the request, then answer with the fault: a reply lost after the write landed. */
  afterApply?: boolean;
}

export interface LoggedRequest {
  method: string;
  op: string;
  spreadsheetId: string;
  status: number;
  write: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const googleError = (code: number, status: string, message: string, details?: unknown[]) =>
  new HttpError(code, { error: { code, message, status, ...(details ? { details } : {}) } });

const ERRORS = {
  unauthenticated: () =>
    googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'),
  permission: () => googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'),
  disabled: () =>
    googleError(403, 'PERMISSION_DENIED', 'Google Sheets API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789 then retry.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: 'sheets.googleapis.com', consumer: 'projects/123456789' } },
    ]),
  notFound: () => googleError(404, 'NOT_FOUND', 'Requested entity was not found.'),
  badRange: (r: string) => googleError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${r}`),
  invalid: (m: string) => googleError(400, 'INVALID_ARGUMENT', m),
  quota: () =>
    googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789'.", [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { quota_metric: 'sheets.googleapis.com/write_requests', quota_limit: 'WriteRequestsPerMinutePerUser', quota_limit_value: '60', service: 'sheets.googleapis.com' } },
    ]),
  internal: (code: number) => googleError(code, code === 503 ? 'UNAVAILABLE' : 'INTERNAL', code === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.'),
};

// ---- A1 notation -------------------------------------------------------------------------------

export function colNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

export function colLetters(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

interface A1 {
  title: string;
  c1: number;
  r1: number;
  c2: number; // Infinity = open
  r2: number;
}

export function parseA1(range: string): A1 | null {
  const m = /^(?:'((?:[^']|'')+)'|([^!']+))(?:!(.+))?$/.exec(range.trim());
  if (!m) return null;
  const title = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!;
  if (!m[3]) return { title, c1: 1, r1: 1, c2: Infinity, r2: Infinity };
  const [a, b] = m[3].split(':');
  const pa = /^\$?([A-Za-z]*)\$?(\d*)$/.exec(a ?? '');
  const pb = b === undefined ? pa : /^\$?([A-Za-z]*)\$?(\d*)$/.exec(b);
  if (!pa || !pb || (!pa[1] && !pa[2])) return null;
  return {
    title,
    c1: pa[1] ? colNumber(pa[1]) : 1,
    r1: pa[2] ? Number(pa[2]) : 1,
    c2: pb[1] ? colNumber(pb[1]) : Infinity,
    r2: pb[2] ? Number(pb[2]) : Infinity,
  };
}

function quoteTitle(t: string): string {
  return /^[A-Za-z0-9_]+$/.test(t) ? t : `'${t.replace(/'/g, "''")}'`;
}

function a1(t: string, c1: number, r1: number, c2: number, r2: number): string {
  return `${quoteTitle(t)}!${colLetters(c1)}${r1}:${colLetters(c2)}${r2}`;
}

const isEmpty = (c: Cell | undefined) => c === undefined || c.value === undefined || c.value === '';
const rowEmpty = (r: Cell[] | undefined) => !r || r.every(isEmpty);

// ---- the server --------------------------------------------------------------------------------

export class FakeSheetsServer {
  readonly log: LoggedRequest[] = [];
  private readonly books = new Map<string, Spreadsheet>();
  private readonly accounts = new Map<string, { keyId: string; publicKey: crypto.KeyObject }>();
  private readonly disabled = new Set<string>();
  private readonly faults: Array<FaultSpec & { remaining: number }> = [];
  private server?: http.Server;
  private origin = '';

  /** The value for GOOGLE_SHEETS_ROOT_URL. */
  get rootUrl(): string {
    return `${this.origin}/`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ---- set-up ----

  /** Trust a service account: its JWTs verify against this public key. */
  trust(sa: { client_email: string; private_key_id: string }, publicKeyPem: string): void {
    this.accounts.set(sa.client_email, { keyId: sa.private_key_id, publicKey: crypto.createPublicKey(publicKeyPem) });
  }

  /** The Sheets API is turned off in this service account's project. */
  disableApiFor(email: string, disabled = true): void {
    if (disabled) this.disabled.add(email);
    else this.disabled.delete(email);
  }

  /** A new spreadsheet with one empty tab "Sheet1" (sheetId 0), like Google makes. */
  createSpreadsheet(opts: { title?: string; sharedWith?: string[]; readOnly?: string[] } = {}): string {
    const id = crypto.randomBytes(22).toString('base64url');
    const access = new Map<string, 'writer' | 'reader'>();
    for (const e of opts.sharedWith ?? []) access.set(e, 'writer');
    for (const e of opts.readOnly ?? []) access.set(e, 'reader');
    this.books.set(id, { id, title: opts.title ?? 'Commandes boutique', access, tabs: [{ sheetId: 0, title: 'Sheet1', frozenRowCount: 0, rows: [] }] });
    return id;
  }

  share(spreadsheetId: string, email: string, role: 'writer' | 'reader' = 'writer'): void {
    this.book(spreadsheetId).access.set(email, role);
  }

  /** The next `count` matching requests fail with this fault. */
  failNext(count: number, fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: count });
  }

  pendingFaults(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  /** Write requests received (POST/PUT), including refused ones, for one spreadsheet or all. */
  writeRequests(spreadsheetId?: string): number {
    return this.log.filter((r) => r.write && (!spreadsheetId || r.spreadsheetId === spreadsheetId)).length;
  }

  readRequests(spreadsheetId?: string): number {
    return this.log.filter((r) => !r.write && (!spreadsheetId || r.spreadsheetId === spreadsheetId)).length;
  }

  // ---- the merchant's hands ----

  tabTitles(spreadsheetId: string): string[] {
    return this.book(spreadsheetId).tabs.map((t) => t.title);
  }

  sheetIdOf(spreadsheetId: string, title: string): number {
    return this.tab(spreadsheetId, title).sheetId;
  }

  /** The tab's values as strings, trailing empties trimmed, like FORMATTED_VALUE. */
  values(spreadsheetId: string, title: string): string[][] {
    const rows = this.tab(spreadsheetId, title).rows.map((r) => {
      const out = Array.from(r, (c) => (isEmpty(c) ? '' : String(c!.value)));
      while (out.length && out[out.length - 1] === '') out.pop();
      return out;
    });
    while (rows.length && rows[rows.length - 1]!.length === 0) rows.pop();
    return rows;
  }

  /** Data rows (row 2 on) whose column A is not empty. */
  dataRows(spreadsheetId: string, title: string): string[][] {
    return this.values(spreadsheetId, title).slice(1).filter((r) => (r[0] ?? '') !== '');
  }

  /** Row number (1-based) of the first row whose column A equals `id`. */
  rowOf(spreadsheetId: string, title: string, id: string): number | null {
    if (!this.book(spreadsheetId).tabs.some((t) => t.title === title)) return null;
    const i = this.values(spreadsheetId, title).findIndex((r) => r[0] === id);
    return i < 0 ? null : i + 1;
  }

  cell(spreadsheetId: string, title: string, ref: string): string {
    const p = parseA1(`${quoteTitle(title)}!${ref}`)!;
    const c = this.tab(spreadsheetId, title).rows[p.r1 - 1]?.[p.c1 - 1];
    return isEmpty(c) ? '' : String(c!.value);
  }

  note(spreadsheetId: string, title: string, ref: string): string | undefined {
    const p = parseA1(`${quoteTitle(title)}!${ref}`)!;
    return this.tab(spreadsheetId, title).rows[p.r1 - 1]?.[p.c1 - 1]?.note;
  }

  /** The merchant types in a cell. */
  type(spreadsheetId: string, title: string, ref: string, value: string): void {
    const p = parseA1(`${quoteTitle(title)}!${ref}`)!;
    const rows = this.tab(spreadsheetId, title).rows;
    while (rows.length < p.r1) rows.push([]);
    const row = rows[p.r1 - 1]!;
    row[p.c1 - 1] = { ...row[p.c1 - 1], value };
  }

  /** Data → Sort range (rows 2..end, header kept) by a column, like the merchant does. */
  sortRows(spreadsheetId: string, title: string, column: string, direction: 'asc' | 'desc' = 'asc'): void {
    const t = this.tab(spreadsheetId, title);
    const c = colNumber(column) - 1;
    const [header, ...data] = t.rows;
    const key = (r: Cell[]) => (isEmpty(r[c]) ? '' : String(r[c]!.value));
    data.sort((a, b) => key(a).localeCompare(key(b)) * (direction === 'asc' ? 1 : -1));
    t.rows = [header ?? [], ...data];
  }

  insertBlankRows(spreadsheetId: string, title: string, beforeRow: number, count = 1): void {
    this.tab(spreadsheetId, title).rows.splice(beforeRow - 1, 0, ...Array.from({ length: count }, () => []));
  }

  deleteRow(spreadsheetId: string, title: string, row: number): void {
    this.tab(spreadsheetId, title).rows.splice(row - 1, 1);
  }

  /** Drags a whole column (header and data) to another position, like the merchant does: the columns between shift. */
  moveColumn(spreadsheetId: string, title: string, from: string, to: string): void {
    const [f, t] = [colNumber(from) - 1, colNumber(to) - 1];
    for (const row of this.tab(spreadsheetId, title).rows) {
      const width = Math.max(row.length, f + 1, t + 1);
      const cells = Array.from({ length: width }, (_, i) => row[i]);
      const [moved] = cells.splice(f, 1);
      cells.splice(t, 0, moved);
      row.length = 0;
      cells.forEach((c, i) => {
        if (c) row[i] = c;
      });
    }
  }

  renameTab(spreadsheetId: string, from: string, to: string): void {
    this.tab(spreadsheetId, from).title = to;
  }

  deleteTab(spreadsheetId: string, title: string): void {
    const b = this.book(spreadsheetId);
    b.tabs = b.tabs.filter((t) => t.title !== title);
  }

  // ---- internals ----

  private book(id: string): Spreadsheet {
    const b = this.books.get(id);
    if (!b) throw new Error(`fake sheets: no spreadsheet ${id}`);
    return b;
  }

  private tab(id: string, title: string): Tab {
    const t = this.book(id).tabs.find((x) => x.title === title);
    if (!t) throw new Error(`fake sheets: no tab ${title}`);
    return t;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const write = method === 'POST' || method === 'PUT';
    const entry: LoggedRequest = { method, op: '', spreadsheetId: '', status: 200, write };
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const email = this.authenticate(req.headers.authorization);
      const route = this.route(method, url.pathname);
      entry.op = route.op;
      entry.spreadsheetId = route.id;
      if (this.disabled.has(email)) throw ERRORS.disabled();
      const fault = this.takeFault(route.op, write);
      if (fault && !fault.afterApply) throw this.faultError(fault);
      const book = this.books.get(route.id);
      if (!book) throw ERRORS.notFound();
      const role = book.access.get(email);
      if (!role || (write && role !== 'writer')) throw ERRORS.permission();
      const payload = raw ? JSON.parse(raw) : {};
      body = this.handle(book, route, url.searchParams, payload);
      if (fault) throw this.faultError(fault);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      status = err.status;
      body = err.body;
      headers = err.headers;
    }
    entry.status = status;
    this.log.push(entry);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private takeFault(op: string, write: boolean): FaultSpec | null {
    const f = this.faults.find((x) => {
      if (x.remaining <= 0) return false;
      const on = x.on ?? 'any';
      return on === 'any' || (on === 'write' && write) || (on === 'read' && !write) || (on === 'append' && op === 'values.append');
    });
    if (!f) return null;
    f.remaining -= 1;
    return f;
  }

  private faultError(f: FaultSpec): HttpError {
    const e = f.status === 429 ? ERRORS.quota() : f.status === 403 ? ERRORS.permission() : f.status === 404 ? ERRORS.notFound() : ERRORS.internal(f.status);
    return new HttpError(e.status, e.body, f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {});
  }

  /** Verifies the self-signed JWT (RS256) the client sends instead of an OAuth token. */
  private authenticate(header: string | undefined): string {
    if (!header?.startsWith('Bearer ')) throw ERRORS.unauthenticated();
    const parts = header.slice(7).split('.');
    if (parts.length !== 3) throw ERRORS.unauthenticated();
    const [h, p, s] = parts as [string, string, string];
    let head: { alg?: string; kid?: string; typ?: string };
    let claims: { iss?: string; sub?: string; scope?: string; exp?: number; iat?: number };
    try {
      head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      throw ERRORS.unauthenticated();
    }
    const acct = claims.iss ? this.accounts.get(claims.iss) : undefined;
    if (head.alg !== 'RS256' || !acct || head.kid !== acct.keyId) throw ERRORS.unauthenticated();
    if (!crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), acct.publicKey, Buffer.from(s, 'base64url'))) throw ERRORS.unauthenticated();
    const now = Date.now() / 1000;
    if (!claims.exp || claims.exp < now - 30 || (claims.iat ?? 0) > now + 300) throw ERRORS.unauthenticated();
    if (!(claims.scope ?? '').split(' ').includes('https://www.googleapis.com/auth/spreadsheets')) throw ERRORS.permission();
    return claims.iss!;
  }

  private route(method: string, path: string): { op: string; id: string; range?: string } {
    let m = /^\/v4\/spreadsheets\/([^/:]+)(?::(batchUpdate))?$/.exec(path);
    if (m) {
      if (method === 'GET' && !m[2]) return { op: 'get', id: m[1]! };
      if (method === 'POST' && m[2]) return { op: 'batchUpdate', id: m[1]! };
    }
    m = /^\/v4\/spreadsheets\/([^/:]+)\/values:(batchGet|batchUpdate)$/.exec(path);
    if (m) {
      if (method === 'GET' && m[2] === 'batchGet') return { op: 'values.batchGet', id: m[1]! };
      if (method === 'POST' && m[2] === 'batchUpdate') return { op: 'values.batchUpdate', id: m[1]! };
    }
    m = /^\/v4\/spreadsheets\/([^/:]+)\/values\/([^/:]+)(?::(append|clear))?$/.exec(path);
    if (m) {
      const range = decodeURIComponent(m[2]!);
      if (method === 'GET' && !m[3]) return { op: 'values.get', id: m[1]!, range };
      if (method === 'PUT' && !m[3]) return { op: 'values.update', id: m[1]!, range };
      if (method === 'POST' && m[3] === 'append') return { op: 'values.append', id: m[1]!, range };
      if (method === 'POST' && m[3] === 'clear') return { op: 'values.clear', id: m[1]!, range };
    }
    throw new HttpError(404, { error: { code: 404, message: `fake sheets: no route ${method} ${path}`, status: 'NOT_FOUND' } });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private handle(book: Spreadsheet, route: { op: string; range?: string }, q: URLSearchParams, body: any): unknown {
    switch (route.op) {
      case 'get':
        return this.metadata(book);
      case 'batchUpdate':
        return this.batchUpdate(book, body);
      case 'values.get':
        return this.readRange(book, route.range!);
      case 'values.batchGet':
        return { spreadsheetId: book.id, valueRanges: q.getAll('ranges').map((r) => this.readRange(book, r)) };
      case 'values.update':
        requireInputOption(q.get('valueInputOption'));
        return this.writeRange(book, route.range!, body.values ?? []);
      case 'values.batchUpdate': {
        requireInputOption(body.valueInputOption);
        const staged = cloneBook(book);
        const responses = (body.data ?? []).map((d: { range: string; values: Value[][] }) => this.writeRange(staged, d.range, d.values ?? []));
        book.tabs = staged.tabs;
        return {
          spreadsheetId: book.id,
          totalUpdatedRows: responses.reduce((n: number, r: { updatedRows: number }) => n + r.updatedRows, 0),
          totalUpdatedCells: responses.reduce((n: number, r: { updatedCells: number }) => n + r.updatedCells, 0),
          totalUpdatedSheets: new Set(responses.map((r: { updatedRange: string }) => r.updatedRange.split('!')[0])).size,
          responses,
        };
      }
      case 'values.append':
        requireInputOption(q.get('valueInputOption'));
        return this.append(book, route.range!, body.values ?? [], q.get('insertDataOption') ?? 'OVERWRITE');
      case 'values.clear': {
        const { tab, p } = this.resolve(book, route.range!);
        tab.rows.forEach((r, i) => {
          if (i + 1 < p.r1 || i + 1 > p.r2) return;
          for (let c = p.c1; c <= Math.min(p.c2, r.length); c++) if (r[c - 1]) r[c - 1] = { note: r[c - 1]!.note };
        });
        return { spreadsheetId: book.id, clearedRange: route.range };
      }
    }
    throw ERRORS.invalid(`fake sheets: unsupported ${route.op}`);
  }

  private metadata(book: Spreadsheet) {
    return {
      spreadsheetId: book.id,
      properties: { title: book.title, locale: 'fr_FR', timeZone: 'Africa/Algiers' },
      sheets: book.tabs.map((t, index) => ({
        properties: {
          sheetId: t.sheetId, title: t.title, index, sheetType: 'GRID',
          gridProperties: { rowCount: Math.max(1000, t.rows.length), columnCount: 26, ...(t.frozenRowCount ? { frozenRowCount: t.frozenRowCount } : {}) },
        },
      })),
      spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${book.id}/edit`,
    };
  }

  private resolve(book: Spreadsheet, range: string): { tab: Tab; p: A1 } {
    const p = parseA1(range);
    const tab = p && book.tabs.find((t) => t.title === p.title);
    if (!p || !tab) throw ERRORS.badRange(range);
    return { tab, p };
  }

  private readRange(book: Spreadsheet, range: string) {
    const { tab, p } = this.resolve(book, range);
    const values: string[][] = [];
    for (let r = p.r1; r <= Math.min(p.r2, tab.rows.length); r++) {
      const row = tab.rows[r - 1] ?? [];
      const out: string[] = [];
      for (let c = p.c1; c <= Math.min(p.c2, row.length); c++) out.push(isEmpty(row[c - 1]) ? '' : String(row[c - 1]!.value));
      while (out.length && out[out.length - 1] === '') out.pop();
      values.push(out);
    }
    while (values.length && values[values.length - 1]!.length === 0) values.pop();
    const r2 = Number.isFinite(p.r2) ? p.r2 : Math.max(p.r1, tab.rows.length);
    const c2 = Number.isFinite(p.c2) ? p.c2 : 26;
    return { range: a1(tab.title, p.c1, p.r1, c2, r2), majorDimension: 'ROWS', ...(values.length ? { values } : {}) };
  }

  private writeRange(book: Spreadsheet, range: string, values: Value[][]) {
    const { tab, p } = this.resolve(book, range);
    let cols = 0;
    values.forEach((vals, i) => {
      const r = p.r1 + i;
      while (tab.rows.length < r) tab.rows.push([]);
      const row = tab.rows[r - 1]!;
      vals.forEach((v, j) => {
        if (p.c1 + j > p.c2) throw ERRORS.invalid(`Requested writing within range [${range}], but tried writing to column [${colLetters(p.c1 + j)}]`);
        row[p.c1 + j - 1] = { ...row[p.c1 + j - 1], value: v ?? '' };
      });
      cols = Math.max(cols, vals.length);
    });
    const updatedRange = a1(tab.title, p.c1, p.r1, p.c1 + Math.max(cols, 1) - 1, p.r1 + Math.max(values.length, 1) - 1);
    return { spreadsheetId: book.id, updatedRange, updatedRows: values.length, updatedColumns: cols, updatedCells: values.reduce((n, v) => n + v.length, 0) };
  }

  /** Google's table detection: the first non-empty block at or below the range; append after it. */
  private append(book: Spreadsheet, range: string, values: Value[][], insert: string) {
    const { tab, p } = this.resolve(book, range);
    let start = p.r1;
    while (start <= tab.rows.length && rowEmpty(tab.rows[start - 1])) start++;
    let end = start - 1;
    if (start <= tab.rows.length) {
      end = start;
      while (end < tab.rows.length && !rowEmpty(tab.rows[end])) end++;
    }
    const at = start <= tab.rows.length ? end + 1 : p.r1;
    const width = Math.max(1, ...values.map((v) => v.length));
    const newRows: Cell[][] = values.map((vals) => {
      const row: Cell[] = [];
      vals.forEach((v, j) => (row[p.c1 + j - 1] = { value: v ?? '' }));
      return row;
    });
    if (insert === 'INSERT_ROWS') {
      while (tab.rows.length < at - 1) tab.rows.push([]);
      tab.rows.splice(at - 1, 0, ...newRows);
    } else {
      newRows.forEach((row, i) => (tab.rows[at - 1 + i] = row));
    }
    const tableRange = start <= tab.rows.length && end >= start ? a1(tab.title, p.c1, start, p.c1 + width - 1, end) : undefined;
    return {
      spreadsheetId: book.id,
      ...(tableRange ? { tableRange } : {}),
      updates: {
        spreadsheetId: book.id,
        updatedRange: a1(tab.title, p.c1, at, p.c1 + width - 1, at + values.length - 1),
        updatedRows: values.length,
        updatedColumns: width,
        updatedCells: values.reduce((n, v) => n + v.length, 0),
      },
    };
  }

  /** Atomic, like Google: any invalid request and nothing is applied. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private batchUpdate(book: Spreadsheet, body: any) {
    const staged = cloneBook(book);
    const requests: Array<Record<string, any>> = body.requests ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!requests.length) throw ERRORS.invalid('Must specify at least one request.');
    const replies = requests.map((r, i) => {
      const kind = Object.keys(r)[0]!;
      const a = r[kind];
      const tabById = (id: number) => {
        const t = staged.tabs.find((x) => x.sheetId === (id ?? 0));
        if (!t) throw ERRORS.invalid(`Invalid requests[${i}].${kind}: No grid with id: ${id}`);
        return t;
      };
      switch (kind) {
        case 'addSheet': {
          const props = a.properties ?? {};
          const title = props.title ?? `Sheet${staged.tabs.length + 1}`;
          if (staged.tabs.some((t) => t.title.toLowerCase() === title.toLowerCase())) {
            throw ERRORS.invalid(`Invalid requests[${i}].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`);
          }
          const sheetId = props.sheetId ?? crypto.randomInt(1, 2 ** 31 - 1);
          if (staged.tabs.some((t) => t.sheetId === sheetId)) throw ERRORS.invalid(`Invalid requests[${i}].addSheet: Sheet with id ${sheetId} already exists.`);
          const tab: Tab = { sheetId, title, frozenRowCount: props.gridProperties?.frozenRowCount ?? 0, rows: [] };
          staged.tabs.push(tab);
          return { addSheet: { properties: { sheetId, title, index: staged.tabs.length - 1, sheetType: 'GRID', gridProperties: { rowCount: 1000, columnCount: 26, frozenRowCount: tab.frozenRowCount } } } };
        }
        case 'deleteSheet':
          tabById(a.sheetId);
          staged.tabs = staged.tabs.filter((t) => t.sheetId !== a.sheetId);
          return {};
        case 'updateSheetProperties': {
          const t = tabById(a.properties?.sheetId);
          if (String(a.fields ?? '').split(',').includes('title')) t.title = a.properties.title;
          return {};
        }
        case 'updateCells': {
          const start = a.start ?? { sheetId: a.range?.sheetId, rowIndex: a.range?.startRowIndex ?? 0, columnIndex: a.range?.startColumnIndex ?? 0 };
          const t = tabById(start.sheetId);
          const fields = String(a.fields ?? '');
          (a.rows ?? []).forEach((rowData: { values?: unknown[] }, ri: number) => {
            (rowData.values ?? []).forEach((cd: unknown, ci: number) => applyCell(t, (start.rowIndex ?? 0) + ri, (start.columnIndex ?? 0) + ci, cd, fields));
          });
          return {};
        }
        case 'repeatCell': {
          const g = a.range ?? {};
          const t = tabById(g.sheetId);
          const r2 = g.endRowIndex ?? Math.max(t.rows.length, 1);
          const c2 = g.endColumnIndex ?? 26;
          for (let ri = g.startRowIndex ?? 0; ri < r2; ri++) for (let ci = g.startColumnIndex ?? 0; ci < c2; ci++) applyCell(t, ri, ci, a.cell ?? {}, String(a.fields ?? ''));
          return {};
        }
        default:
          throw ERRORS.invalid(`Invalid requests[${i}]: fake sheets does not support ${kind}`);
      }
    });
    book.tabs = staged.tabs;
    return { spreadsheetId: book.id, replies };
  }
}

function requireInputOption(v: unknown): void {
  if (v !== 'RAW' && v !== 'USER_ENTERED') throw ERRORS.invalid("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED");
}

function cloneBook(b: Spreadsheet): Spreadsheet {
  return { ...b, tabs: b.tabs.map((t) => ({ ...t, rows: t.rows.map((r) => r.map((c) => (c ? { ...c } : c))) })) };
}

/** CellData fields Wakil may send: userEnteredValue and note (formats are accepted and ignored). */
function applyCell(t: Tab, ri: number, ci: number, cd: unknown, fields: string): void {
  const data = cd as { userEnteredValue?: { stringValue?: string; numberValue?: number; boolValue?: boolean }; note?: string };
  const all = fields.trim() === '*';
  const has = (f: string) => all || fields.split(',').some((x) => x.trim() === f || x.trim().startsWith(`${f}.`));
  while (t.rows.length <= ri) t.rows.push([]);
  const row = t.rows[ri]!;
  const cell: Cell = { ...row[ci] };
  if (has('userEnteredValue')) {
    const v = data.userEnteredValue;
    cell.value = v?.stringValue ?? v?.numberValue ?? v?.boolValue ?? undefined;
  }
  if (has('note')) {
    if (data.note) cell.note = data.note;
    else delete cell.note;
  }
  row[ci] = cell;
}
