import type { CanonicalStatus } from './contract';

/**
 * Ecotrack raw statuses → canonical (reference/couriers.md §7.5, §8). Three vocabularies travel in
 * the API: activity keys (get/tracking/info), the order enum (get/orders, get/orders/status) and the
 * French display wording of get/trackings/info (which drifts per tenant; matching ignores case and
 * accents). "Delivered, cash not yet remitted" is still delivered.
 */
export const ECOTRACK_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  // activity keys
  order_information_received_by_carrier: 'created',
  picked: 'picked_up',
  accepted_by_carrier: 'picked_up',
  dispatched_to_driver: 'out_for_delivery',
  attempt_delivery: 'delivery_attempted',
  return_asked: 'returning',
  return_in_transit: 'returning',
  Return_received: 'returned',
  livred: 'delivered',
  encaissed: 'delivered',
  payed: 'delivered',
  // order enum
  en_preparation: 'created',
  en_preparation_stock: 'created',
  prete_a_expedier: 'pending_pickup',
  en_ramassage: 'pending_pickup',
  vers_hub: 'in_transit',
  en_hub: 'at_hub',
  vers_wilaya: 'in_transit',
  en_livraison: 'out_for_delivery',
  suspendu: 'on_hold',
  livre_non_encaisse: 'delivered',
  encaisse_non_paye: 'delivered',
  paiements_prets: 'delivered',
  paye_et_archive: 'delivered',
  retour_chez_livreur: 'returning',
  retour_transit_entrepot: 'returning',
  retour_en_traitement: 'returning',
  retour_recu: 'returned',
  retour_archive: 'returned',
  annule: 'cancelled',
  // French display wording (get/trackings/info)
  'Prêt à expédier': 'pending_pickup',
  'Prêt à préparer': 'created',
  'En ramassage': 'pending_pickup',
  'Stock en préparation': 'created',
  'Vers hub': 'in_transit',
  'En hub': 'at_hub',
  'Vers wilaya': 'in_transit',
  'En préparation': 'created',
  'En livraison': 'out_for_delivery',
  Suspendus: 'on_hold',
  'Retours chez livreur': 'returning',
  'Retours en traitement': 'returning',
  'Retours prêts': 'returning',
  'Retours reçu': 'returned',
  'Retours à dispatcher vers stock': 'returning',
  'Retours en transit stock': 'returning',
  'Retours en stock': 'returned',
  'Livre non encaissé': 'delivered',
  'Livre encaissé non payé': 'delivered',
  'Paiement prêt': 'delivered',
  'Paiement archivé': 'delivered',
  'Retours archivé': 'returned',
};
