import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { conflict, invalidInput } from '../errors';
import { COLUMNS as PRODUCT_COLUMNS, ProductInput, toRow as productRow } from './products';

/**
 * Catalog import from a spreadsheet export. Each row is validated with the same ProductInput schema
 * as POST /api/v1/products; valid rows are imported, invalid ones reported with their errors.
 * A row with a SKU updates the product with that SKU (so importing the same file twice changes
 * nothing); a row without one creates a product every time.
 */

export const IMPORT_COLUMNS = ['name', 'price', 'stock', 'sku', 'description', 'variants'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
const MAX_ROWS = 2000;

/** Headers a merchant's French or Arabic spreadsheet may use for the same columns. */
const ALIASES: Record<string, Column> = {
  nom: 'name', produit: 'name', 'الاسم': 'name', 'المنتج': 'name',
  prix: 'price', 'السعر': 'price',
  quantite: 'stock', 'quantité': 'stock', 'المخزون': 'stock',
  reference: 'sku', 'référence': 'sku', ref: 'sku',
  'الوصف': 'description',
  variantes: 'variants', tailles: 'variants',
};

export interface RowIssue {
  field: string;
  message: string;
}

export interface ImportRow {
  /** The spreadsheet row number (the header is row 1). */
  row: number;
  action: 'create' | 'update' | 'invalid';
  name: string;
  sku: string | null;
  price: number | null;
  errors: RowIssue[];
  /** Set after a real import. */
  product_id?: string;
}

export interface ImportReport {
  dry_run: boolean;
  columns: Column[];
  /** Header cells that are not product fields (ignored). */
  ignored_columns: string[];
  summary: { rows: number; valid: number; invalid: number; created: number; updated: number };
  rows: ImportRow[];
}

/** RFC 4180 records: quoted cells may hold the delimiter, "" and line breaks. */
export function parseCsvRecords(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw invalidInput('csv: a quoted cell is never closed (a " is missing)');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Excel in French locales saves CSV with semicolons: use whichever the header line has more of. */
function delimiterOf(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  return count(';') > count(',') ? ';' : count('\t') > count(',') ? '\t' : ',';
}

const columnOf = (h: string): Column | null => {
  const k = h.trim().toLowerCase();
  return (IMPORT_COLUMNS as readonly string[]).includes(k) ? (k as Column) : (ALIASES[k] ?? null);
};

/** "3 500", "3500 DA", "3500.00" → 3500; anything else is returned as text for the schema to refuse. */
function wholeNumber(v: string): number | string {
  const s = v.replace(/[\s\u00a0\u202f]/g, '').replace(/(da|dzd|دج)$/i, '');
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^-?\d+[.,]\d+$/.test(s)) return Number(s.replace(',', '.'));
  return v;
}

/** "M:3500|L:3800|XL" → variants; a part without ":price" sells at the product price. */
function variantsOf(v: string): Array<{ name: string; price?: number | string }> {
  return v
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const at = s.lastIndexOf(':');
      if (at < 0) return { name: s };
      return { name: s.slice(0, at).trim(), price: wholeNumber(s.slice(at + 1)) };
    });
}

interface ParsedRow extends ImportRow {
  input?: ProductInput;
}

function parseRows(csv: string): { columns: Column[]; ignored: string[]; rows: ParsedRow[] } {
  const text = csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv;
  const delimiter = delimiterOf(text.split(/\r?\n/, 1)[0] ?? '');
  const records = parseCsvRecords(text, delimiter);
  const header = records.shift();
  if (!header) throw invalidInput('csv: the file is empty');
  const cols = header.map(columnOf);
  const columns = cols.filter((c): c is Column => c !== null);
  const ignored = header.filter((_, i) => cols[i] === null).map((h) => h.trim()).filter(Boolean);
  const missing = (['name', 'price'] as const).filter((c) => !columns.includes(c));
  if (missing.length) throw invalidInput(`csv: the header row needs the columns ${missing.join(' and ')} (found: ${header.join(', ')})`);
  if (new Set(columns).size !== columns.length) throw invalidInput('csv: a column appears twice in the header row');

  const rows: ParsedRow[] = [];
  const skuRow = new Map<string, number>();
  records.forEach((rec, i) => {
    if (rec.every((c) => c.trim() === '')) return;
    if (rows.length >= MAX_ROWS) throw invalidInput(`csv: at most ${MAX_ROWS} products per import; split the file`);
    const rowNo = i + 2;
    const cell: Partial<Record<Column, string>> = {};
    cols.forEach((c, j) => {
      if (c) cell[c] = (rec[j] ?? '').trim();
    });
    const candidate: Record<string, unknown> = { name: cell.name ?? '', price: cell.price === undefined || cell.price === '' ? undefined : wholeNumber(cell.price) };
    if (cell.stock !== undefined) candidate.stock = cell.stock === '' ? null : wholeNumber(cell.stock);
    if (cell.sku !== undefined) candidate.sku = cell.sku || null;
    if (cell.description !== undefined) candidate.description = cell.description || null;
    if (cell.variants !== undefined) candidate.variants = variantsOf(cell.variants);

    const errors: RowIssue[] = [];
    if (rec.length > header.length && rec.slice(header.length).some((c) => c.trim())) {
      errors.push({ field: 'row', message: `${rec.length} cells for ${header.length} columns: a cell probably holds an unquoted ${delimiter}` });
    }
    const parsed = ProductInput.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length ? String(issue.path[0]) : 'row';
        const raw = field in cell ? cell[field as Column] : undefined;
        const text = issue.code === 'invalid_type' && raw && issue.path.length === 1 ? `"${raw}" is not a number` : issue.message;
        errors.push({ field: issue.path.map(String).join('.') || 'row', message: field === 'price' && raw === '' ? 'required' : text });
      }
    }
    const sku = typeof candidate.sku === 'string' ? candidate.sku : null;
    if (sku) {
      const first = skuRow.get(sku);
      if (first) errors.push({ field: 'sku', message: `SKU ${sku} is already used in row ${first}` });
      else skuRow.set(sku, rowNo);
    }
    rows.push({
      row: rowNo,
      action: errors.length ? 'invalid' : 'create',
      name: cell.name ?? '',
      sku,
      price: typeof candidate.price === 'number' ? candidate.price : null,
      errors,
      input: errors.length ? undefined : parsed.data,
    });
  });
  return { columns, ignored, rows };
}

/** Marks valid rows whose SKU exists as updates, returning sku → product id. */
async function existingSkus(db: Knex, workspaceId: string, rows: ParsedRow[], forUpdate: boolean): Promise<Map<string, string>> {
  const skus = rows.filter((r) => r.input && r.sku).map((r) => r.sku!);
  if (!skus.length) return new Map();
  const q = db('products').where({ workspace_id: workspaceId }).whereIn('sku', skus).select('id', 'sku');
  if (forUpdate) q.forUpdate();
  const found: Array<{ id: string; sku: string }> = await q;
  return new Map(found.map((p) => [p.sku, p.id]));
}

/**
 * Validates a catalog CSV and, unless dryRun, imports the valid rows in one transaction. Columns
 * absent from the file are left unchanged on updated products (a price-only file keeps the stock).
 */
export async function importProductsCsv(ctx: AppContext, workspaceId: string, csv: string, opts: { dryRun: boolean }): Promise<ImportReport> {
  const { columns, ignored, rows } = parseRows(csv);
  const apply = async (db: Knex) => {
    const existing = await existingSkus(db, workspaceId, rows, !opts.dryRun);
    for (const r of rows) {
      if (!r.input) continue;
      const id = r.sku ? existing.get(r.sku) : undefined;
      r.action = id ? 'update' : 'create';
      if (opts.dryRun) continue;
      const fields = Object.fromEntries(Object.entries(r.input).filter(([k]) => columns.includes(k as Column))) as Partial<ProductInput>;
      if (id) {
        await db('products').where({ workspace_id: workspaceId, id }).update({ ...productRow(fields), updated_at: db.fn.now() });
        r.product_id = id;
      } else {
        const [p] = await db('products').insert({ workspace_id: workspaceId, ...productRow(r.input) }).returning(PRODUCT_COLUMNS);
        r.product_id = p.id;
        if (r.sku) existing.set(r.sku, p.id);
      }
    }
  };
  if (opts.dryRun) await apply(ctx.knex);
  else {
    await ctx.knex.transaction(apply).catch((err: { code?: string }) => {
      // Two imports (or an import and a product form) adding the same SKU at once.
      if (err.code === '23505') throw conflict('Another change added one of these SKUs meanwhile: run the import again');
      throw err;
    });
  }

  const valid = rows.filter((r) => r.action !== 'invalid');
  return {
    dry_run: opts.dryRun,
    columns,
    ignored_columns: ignored,
    summary: {
      rows: rows.length,
      valid: valid.length,
      invalid: rows.length - valid.length,
      created: valid.filter((r) => r.action === 'create').length,
      updated: valid.filter((r) => r.action === 'update').length,
    },
    rows: rows.map(({ input: _input, ...r }) => r),
  };
}
