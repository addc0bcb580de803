import type { CanonicalStatus } from './contract';

/**
 * NOEST `activity[].event_key` → canonical (reference/couriers.md §6 event list, §8). Keys that are
 * not parcel movements (finance, edits) are listed in NOEST_NON_MOVEMENT and never decide the
 * current status. `validation_reception` is "enlevé par le livreur" (the driver took it for the
 * round) in the doc's event list, hence 'out_for_delivery' rather than 'at_hub'.
 */
export const NOEST_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  upload: 'created',
  customer_validation: 'pending_pickup',
  validation_collect_colis: 'picked_up',
  pickedup: 'picked_up',
  validation_reception_admin: 'in_transit',
  sent_to_redispatch: 'in_transit',
  validation_reception: 'out_for_delivery',
  fdr_activated: 'out_for_delivery',
  return_redispatched_to_livraison: 'out_for_delivery',
  mise_a_jour: 'delivery_attempted',
  nouvel_tentative_asked_by_customer: 'delivery_attempted',
  colis_suspendu: 'on_hold',
  livre: 'delivered',
  livred: 'delivered',
  echange_valide: 'delivered',
  echange_valid_by_hub: 'delivered',
  return_asked_by_customer: 'returning',
  return_asked_by_hub: 'returning',
  retour_dispatched_to_partenaires: 'returning',
  return_dispatched_to_partenaire: 'returning',
  colis_retour_transmit_to_partner: 'returning',
  return_dispatched_to_warehouse: 'returning',
  livraison_echoue_recu: 'returned',
  return_validated_by_partener: 'returned',
  ask_to_delete_by_admin: 'cancelled',
  ask_to_delete_by_hub: 'cancelled',
};

/** Events in the same feed that say nothing about where the parcel is ([CDZ-JS]). */
export const NOEST_NON_MOVEMENT = new Set([
  'verssement_admin_cust',
  'verssement_admin_cust_canceled',
  'verssement_hub_cust_canceled',
  'validation_reception_cash_by_partener',
  'edit_price',
  'extra_fee',
  'edited_informations',
  'edit_wilaya',
]);
