import { splitName } from '../../src/shipping/booking';
import { NOTIFY_STEPS } from '../../src/shipping/tracking';
import { shippingMessage } from '../../src/shipping/notify';
import { riskLevel } from '../../src/shipping/return-risk';

describe('shipping rules', () => {
  it('return risk: none returned is low, a rare return stays low, repeated refusals are high', () => {
    expect(riskLevel(0, 0)).toBe('low');
    expect(riskLevel(12, 1)).toBe('low');
    expect(riskLevel(3, 1)).toBe('medium');
    expect(riskLevel(0, 1)).toBe('medium');
    expect(riskLevel(2, 2)).toBe('high');
    expect(riskLevel(7, 2)).toBe('low'); // 2 of 9: under one in four
    expect(riskLevel(4, 2)).toBe('medium');
  });

  it('splits names for couriers that need first and family names', () => {
    expect(splitName('Amina Benali Kaci')).toEqual({ firstName: 'Amina', lastName: 'Benali Kaci' });
    expect(splitName('  Yacine ')).toEqual({ firstName: 'Yacine', lastName: 'Yacine' });
    expect(splitName('')).toEqual({ firstName: 'Client', lastName: 'Client' });
  });

  it('has a customer message for every notified step in every language, with the tracking filled in', () => {
    const vars = { shop: 'Boutique Nour', courier: 'Yalidine', tracking: 'yal-000042' };
    for (const step of NOTIFY_STEPS) {
      for (const lang of ['darija', 'arabizi', 'fr', 'ar', 'en'] as const) {
        const text = shippingMessage(step, lang, vars);
        expect(text).toContain('Boutique Nour');
        if (step !== 'delivered') expect(text).toContain('yal-000042');
      }
      for (const lang of ['fr', 'ar', 'en'] as const) expect(shippingMessage(`label.${step}`, lang, vars).length).toBeGreaterThan(3);
    }
    // Darija text is not the French fallback.
    expect(shippingMessage('delivered', 'darija', vars)).not.toBe(shippingMessage('delivered', 'fr', vars));
  });
});
