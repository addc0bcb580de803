import { amountsInToolResult, unverifiedAmounts } from '../../src/agent/integrity';

describe('integrity post-check: promo-code discounts', () => {
  it('lets a reply quote the discount a tool computed, and nothing else', () => {
    const order = { order_id: 'x', subtotal: 7000, promo_code: 'SOLDE10', discount: 700, delivery_fee: 450, total: 6750, items: [{ quantity: 2, unit_price: 3500, line_total: 7000 }] };
    const allowed = amountsInToolResult(order);
    expect([...allowed].sort((a, b) => a - b)).toEqual([450, 700, 3500, 6750, 7000]);
    expect(unverifiedAmounts('Remise SOLDE10: -700 DA, total 6750 DA (livraison 450 DA)', allowed)).toEqual([]);
    // A discount the model made up is still caught.
    expect(unverifiedAmounts('Remise 1000 DA, total 6450 DA', allowed)).toEqual([1000, 6450]);
    // Quantities are not money even next to a discount.
    expect(amountsInToolResult({ quantity: 2, discount_rate: 10.5 }).size).toBe(0);
  });
});
