import type { CanonicalStatus } from './contract';

/**
 * Procolis `Situation` (exact strings seen by [DZC status.go], [PROC-CODE]; reference/couriers.md
 * §4, §8) → canonical. "SD" = stop desk. A cancellation by the customer sends the parcel back, so
 * it is 'returning' until `Retour Stock`; only a deleted parcel (`Supprimée`) is 'cancelled'.
 */
export const PROCOLIS_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  'En Préparation': 'created',
  'En Traitement - Prêt à Expédie': 'pending_pickup',
  Dispatcher: 'in_transit',
  'Au Bureau': 'at_hub',
  'SD - En Attente du Client': 'ready_for_pickup',
  'En livraison': 'out_for_delivery',
  'A Relancé': 'delivery_attempted',
  'Appel sans Réponse 1': 'delivery_attempted',
  'Appel sans Réponse 2': 'delivery_attempted',
  'Appel sans Réponse 3': 'delivery_attempted',
  'SD - Appel sans Réponse 1': 'delivery_attempted',
  'SD - Appel sans Réponse 2': 'delivery_attempted',
  'SD - Appel sans Réponse 3': 'delivery_attempted',
  Reporté: 'on_hold',
  'SD - Reporté': 'on_hold',
  Livrée: 'delivered',
  'Colis Livrée': 'delivered',
  'Livrée [ Encaisser ]': 'delivered',
  Echange: 'delivered',
  'Annuler par le Client': 'returning',
  'SD - Annuler 3x': 'returning',
  'SD - Annuler par le Client': 'returning',
  'Retour de Dispatche': 'returning',
  'Retour Livreur': 'returning',
  'Retour Navette': 'returning',
  'Retour Stock': 'returned',
  Supprimée: 'cancelled',
};
