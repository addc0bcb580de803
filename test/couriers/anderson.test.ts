import { anderson } from '../../couriers/anderson';
import { ecotrackFixture } from './ecotrack-fixture';
import { runCourierContractSuite } from './contract-suite';

runCourierContractSuite('anderson', { definition: anderson, start: () => ecotrackFixture(anderson, () => ({})) });

describe('anderson preset', () => {
  it('needs no base_url setting and defaults to the Anderson Ecotrack host', () => {
    expect(anderson.settingsSchema.safeParse({}).success).toBe(true);
    expect(anderson.baseUrl({ auto_ship: true }, undefined)).toBe('https://anderson-ecommerce.ecotrack.dz/api/v1/');
    expect(anderson.displayName).toBe('Anderson Delivery');
  });
});
