import type { CanonicalStatus } from './contract';

/**
 * Maystro numeric order status (and its French label, which some payloads carry instead) →
 * canonical, per reference/couriers.md §5.5 and §8. 22 "Assigné" = handed to a driver for the
 * round, so 'out_for_delivery'; 53 "Non reçu" = never received back: 'lost'.
 */
export const MAYSTRO_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  '4': 'created',
  '5': 'pending_pickup',
  '6': 'created',
  '8': 'picked_up',
  '9': 'in_transit',
  '10': 'returning',
  '11': 'on_hold',
  '12': 'on_hold',
  '15': 'pending_pickup',
  '22': 'out_for_delivery',
  '31': 'out_for_delivery',
  '32': 'delivery_attempted',
  '41': 'delivered',
  '42': 'on_hold',
  '50': 'cancelled',
  '51': 'returning',
  '52': 'returned',
  '53': 'lost',
  Créé: 'created',
  'Ramassage demandé': 'pending_pickup',
  'En traitement': 'created',
  'En attente de transit': 'picked_up',
  'En transit pour expédition': 'in_transit',
  'En transit pour retour': 'returning',
  'En attente': 'on_hold',
  'Rupture de stock': 'on_hold',
  'Prêt à expédier': 'pending_pickup',
  Assigné: 'out_for_delivery',
  Expédié: 'out_for_delivery',
  Alerté: 'delivery_attempted',
  Livré: 'delivered',
  Reporté: 'on_hold',
  Annulé: 'cancelled',
  'Prêt à retourner': 'returning',
  'Récupéré par le magasin': 'returned',
  'Non reçu': 'lost',
};
