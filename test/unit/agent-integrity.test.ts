import { amountsInText, amountsInToolResult, unverifiedAmounts } from '../../src/agent/integrity';
import { costMicroUsd, priceTable } from '../../src/agent/cost';
import { detectLanguage } from '../../src/agent/prompts';

describe('integrity post-check', () => {
  it('reads DZD amounts in the forms customers and models write', () => {
    expect(amountsInText('La robe b 3500 DA, livraison 450da')).toEqual([3500, 450]);
    expect(amountsInText('المجموع 3 950 دج')).toEqual([3950]);
    expect(amountsInText('Total: 3.950 DZD, ou ٣٩٥٠ د.ج')).toEqual([3950]);
    expect(amountsInText('1,250.00 DA et DA 700')).toEqual([1250, 700]);
    expect(amountsInText('3 dinars')).toEqual([3]);
    // Not money: quantities, phones, sizes.
    expect(amountsInText('2 robes, taille 38, appelle 0661234567, 48h')).toEqual([]);
  });

  it('allows only amounts a tool produced', () => {
    const allowed = amountsInToolResult({ products: [{ price: 3500, stock: 10, variants: [{ price: 3800 }] }], fee: 450, total: 3950, order_id: 'x' });
    expect([...allowed].sort()).toEqual([3500, 3800, 3950, 450].sort());
    expect(unverifiedAmounts('b 3500 DA + 450 DA = 3950 DA', allowed)).toEqual([]);
    expect(unverifiedAmounts('dernier prix 500 DA', allowed)).toEqual([500]);
    expect(unverifiedAmounts('stock: 10 DA', allowed)).toEqual([10]); // stock is not a price
  });
});

describe('cost table', () => {
  it('prices tokens in micro-USD, cache reads cheaper than writes', () => {
    const t = priceTable();
    const u = { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0 };
    expect(costMicroUsd('claude-haiku-5-5', u, t)).toBe(Math.round(100 * 0.1 + 50 * 0.5 + 1000 * 0.01));
    const override = priceTable(JSON.stringify({ 'claude-haiku-5-5': { input: 1, output: 1, cache_write: 1, cache_read: 1 } }));
    expect(costMicroUsd('claude-haiku-5-5', u, override)).toBe(1150);
  });
});

describe('language detection for fixed messages', () => {
  it('tells Arabizi, Darija, French, Arabic and English apart', () => {
    expect(detectLanguage("salam, ch7al l'prix ta3 la robe noire?")).toBe('arabizi');
    expect(detectLanguage('واش كاين روبة كحلة؟ شحال؟')).toBe('darija');
    expect(detectLanguage('Bonjour, quel est le prix de la livraison ?')).toBe('fr');
    expect(detectLanguage('السلام عليكم، ما هو سعر التوصيل؟')).toBe('ar');
    expect(detectLanguage('hello, how much is the black dress?')).toBe('en');
  });
});
