/**
 * The model never sets a price: every DZD amount in an outgoing reply must be one a tool returned
 * in this conversation. Recognised forms: "3500 DA", "3 500 دج", "3.500 DZD", "3500da",
 * "3,500.00 DA", "٣٥٠٠ د.ج", "DA 3500", "3500 dinars". Bare numbers without a currency are not
 * checked (quantities, phone numbers, dates would drown the signal).
 */
const CURRENCY = String.raw`(?:da|dzd|dinars?|دج|د\.ج|دينار)`;
const NUMBER = String.raw`(\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+|\d+)(?:[.,]\d{1,2})?`;
const AFTER = new RegExp(String.raw`(?<![\p{L}\p{N}])${NUMBER}\s*${CURRENCY}(?![\p{L}])`, 'giu');
const BEFORE = new RegExp(String.raw`(?<![\p{L}])${CURRENCY}\s*${NUMBER}(?![\p{N}])`, 'giu');

function westernDigits(s: string): string {
  return s
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

export function amountsInText(text: string): number[] {
  const t = westernDigits(text);
  const out: number[] = [];
  for (const re of [AFTER, BEFORE]) {
    re.lastIndex = 0;
    for (const m of t.matchAll(re)) out.push(Number(m[1]!.replace(/[ \u00a0\u202f.,]/g, '')));
  }
  return [...new Set(out)];
}

/** Integer figures under money-like keys of a tool result (price, total, fee, line_total, discount ...). */
export function amountsInToolResult(value: unknown, out = new Set<number>(), key = ''): Set<number> {
  if (Array.isArray(value)) for (const v of value) amountsInToolResult(v, out, key);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) amountsInToolResult(v, out, k);
  } else if (typeof value === 'number' && Number.isInteger(value) && /price|total|fee|amount|cost|discount/i.test(key)) {
    out.add(value);
  }
  return out;
}

/** Amounts in the reply that no tool produced. Empty = the reply may go out. */
export function unverifiedAmounts(text: string, allowed: Iterable<number>): number[] {
  const ok = new Set(allowed);
  return amountsInText(text).filter((a) => !ok.has(a));
}
