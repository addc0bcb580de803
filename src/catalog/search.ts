import type { Knex } from 'knex';
import { listProducts, type Product } from './products';

/** Lower-case, accents and Arabic diacritics stripped: "Robe Noire" ≈ "robe noire" ≈ "robé". */
function fold(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670]/g, '');
}

export interface CatalogHit {
  product_id: string;
  name: string;
  price: number;
  in_stock: boolean;
  stock: number | null;
  description: string | null;
  variants: Array<{ name: string; price: number; in_stock: boolean; stock: number | null }>;
}

export function toHit(p: Product): CatalogHit {
  return {
    product_id: p.id,
    name: p.name,
    price: p.price,
    stock: p.stock,
    in_stock: p.stock === null || p.stock > 0,
    description: p.description,
    variants: p.variants.map((v) => ({
      name: v.name,
      price: v.price ?? p.price,
      stock: v.stock ?? null,
      in_stock: v.stock === undefined || v.stock > 0,
    })),
  };
}

/**
 * Products whose name, SKU, description or variant names share words with the query, best first.
 * Catalogs of small merchants are a few hundred rows: scoring in memory beats a search index.
 */
export async function searchCatalog(db: Knex, workspaceId: string, query: string, limit = 8): Promise<CatalogHit[]> {
  const products = await listProducts(db, workspaceId, { activeOnly: true });
  const words = fold(query)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);
  if (!words.length) return products.slice(0, limit).map(toHit);
  const scored = products
    .map((p) => {
      const name = fold(p.name);
      const rest = fold([p.sku ?? '', p.description ?? '', ...p.variants.map((v) => v.name)].join(' '));
      let score = 0;
      for (const w of words) {
        if (name.includes(w)) score += 3;
        else if (rest.includes(w)) score += 1;
      }
      return { p, score };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score);
  return scored.slice(0, limit).map((x) => toHit(x.p));
}

/** One line per active product for the system prompt (cached): id, name, price, variants. */
export async function catalogSummary(db: Knex, workspaceId: string, max = 200): Promise<string> {
  const products = await listProducts(db, workspaceId, { activeOnly: true });
  if (!products.length) return '(no products yet)';
  const lines = products.slice(0, max).map((p) => {
    const variants = p.variants.length ? ` | variants: ${p.variants.map((v) => v.name).join(', ')}` : '';
    return `- ${p.id} | ${p.name}${variants}`;
  });
  if (products.length > max) lines.push(`(+${products.length - max} more: use search_catalog)`);
  return lines.join('\n');
}
