import type { CanonicalStatus } from './contract';

/**
 * ZR Express (new platform) workflow state → canonical. States are per-tenant workflow entries; the
 * default workflow's `name` is a French slug (reference/couriers.md §3.5, live audit [ZR-CONF]
 * BUG-5). Other integrators saw English enum-like names (OrderReceived, ReadyToDispatch) and the
 * API docs use free-text examples ("In Transit", "At Hub", "Out for Delivery"), so those are mapped
 * too. The default workflow has 23 states; only these are documented, the rest stay 'unknown'
 * (raw kept). Returns arrive as the `parcel.isReturn.updated` webhook, not as a state.
 */
export const ZR_EXPRESS_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  commande_recue: 'created',
  en_traitement: 'created',
  appel_confirmation: 'created',
  commande_confirmee: 'created',
  en_preparation: 'created',
  pret_a_expedier: 'pending_pickup',
  confirme_au_bureau: 'pending_pickup',
  confirme_chez_partenaire: 'pending_pickup',
  dispatch: 'in_transit',
  vers_wilaya: 'in_transit',
  en_livraison: 'out_for_delivery',
  livre: 'delivered',
  encaisse: 'delivered',
  recouvert: 'delivered',
  OrderReceived: 'created',
  ReadyToDispatch: 'pending_pickup',
  'In Transit': 'in_transit',
  'At Hub': 'at_hub',
  'Out for Delivery': 'out_for_delivery',
};

/** States before `pret_a_expedier`: ZR's hubs do not pick these up, so the parcel still needs `validate`. */
export const ZR_EXPRESS_PRE_DISPATCH = new Set(['commande_recue', 'en_traitement', 'appel_confirmation', 'commande_confirmee', 'en_preparation', 'orderreceived']);
