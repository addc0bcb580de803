import { z } from 'zod';
import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { conflict, notFound } from '../errors';

/**
 * Catalog products. A variant's `price` is the variant's ABSOLUTE price in DZD (what a merchant
 * writes on the product page: "XL: 3800"), not a delta; absent, the variant sells at the product
 * price. `stock` null/absent means "not tracked".
 */
const money = z.number().int('must be a whole number of DZD').min(0).max(100_000_000);
const stock = z.number().int().min(0).max(1_000_000);

export const VariantInput = z.object({
  name: z.string().trim().min(1).max(80),
  price: money.optional(),
  stock: stock.optional(),
});

export const ProductInput = z.object({
  name: z.string().trim().min(1).max(200),
  price: money,
  stock: stock.nullable().optional(),
  sku: z.string().trim().min(1).max(80).nullable().optional(),
  description: z.string().trim().max(4000).nullable().optional(),
  variants: z
    .array(VariantInput)
    .max(100)
    .refine((v) => new Set(v.map((x) => x.name.toLowerCase())).size === v.length, 'variant names must be unique')
    .optional(),
  images: z.array(z.url()).max(20).optional(),
  active: z.boolean().optional(),
});
export type ProductInput = z.infer<typeof ProductInput>;
export const ProductPatch = ProductInput.partial();

export interface Variant {
  name: string;
  price?: number;
  stock?: number;
}

export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number | null;
  sku: string | null;
  description: string | null;
  variants: Variant[];
  images: string[];
  active: boolean;
  created_at: string;
  updated_at: string;
}

export const COLUMNS = ['id', 'name', 'price', 'stock', 'sku', 'description', 'variants', 'images', 'active', 'created_at', 'updated_at'];

/** The products row for (part of) a ProductInput (also used by the CSV import). */
export function toRow(input: Partial<ProductInput>) {
  const row: Record<string, unknown> = {};
  for (const k of ['name', 'price', 'stock', 'sku', 'description', 'active'] as const) if (k in input) row[k] = input[k] ?? null;
  if (input.variants) row.variants = JSON.stringify(input.variants);
  if (input.images) row.images = JSON.stringify(input.images);
  return row;
}

function skuConflict(err: unknown): never {
  if ((err as { code?: string }).code === '23505') throw conflict('Another product already uses this SKU');
  throw err;
}

export async function listProducts(db: Knex, workspaceId: string, opts: { activeOnly?: boolean } = {}): Promise<Product[]> {
  const q = db('products').where({ workspace_id: workspaceId }).select(COLUMNS).orderBy('created_at', 'asc');
  if (opts.activeOnly) q.andWhere({ active: true });
  return q;
}

export async function getProduct(db: Knex, workspaceId: string, id: string): Promise<Product> {
  if (!z.uuid().safeParse(id).success) throw notFound('Product');
  const p = await db('products').where({ workspace_id: workspaceId, id }).first(COLUMNS);
  if (!p) throw notFound('Product');
  return p;
}

export async function createProduct(ctx: AppContext, workspaceId: string, input: ProductInput): Promise<Product> {
  const [p] = await ctx.knex('products')
    .insert({ workspace_id: workspaceId, ...toRow(input) })
    .returning(COLUMNS)
    .catch(skuConflict);
  return p;
}

export async function updateProduct(ctx: AppContext, workspaceId: string, id: string, patch: Partial<ProductInput>): Promise<Product> {
  await getProduct(ctx.knex, workspaceId, id);
  const [p] = await ctx.knex('products')
    .where({ workspace_id: workspaceId, id })
    .update({ ...toRow(patch), updated_at: ctx.knex.fn.now() })
    .returning(COLUMNS)
    .catch(skuConflict);
  return p;
}

/** Order lines keep their name and price (product_id is SET NULL), so a hard delete is safe. */
export async function deleteProduct(ctx: AppContext, workspaceId: string, id: string): Promise<void> {
  await getProduct(ctx.knex, workspaceId, id);
  await ctx.knex('products').where({ workspace_id: workspaceId, id }).delete();
}

/** The price of one unit of a product or of one of its variants. */
export function unitPrice(p: Pick<Product, 'price' | 'variants'>, variant?: string | null): number {
  if (!variant) return p.price;
  const v = findVariant(p, variant);
  return v?.price ?? p.price;
}

export function findVariant(p: Pick<Product, 'variants'>, name: string): Variant | undefined {
  const n = name.trim().toLowerCase();
  return p.variants.find((v) => v.name.toLowerCase() === n);
}
