import { ecotrackCourier } from './ecotrack';

/** Anderson Delivery is an Ecotrack tenant (reference/couriers.md §7.6): the Ecotrack adapter with its host preset. */
export const anderson = ecotrackCourier({
  id: 'anderson',
  displayName: 'Anderson Delivery',
  defaultBaseUrl: 'https://anderson-ecommerce.ecotrack.dz/api/v1/',
});
