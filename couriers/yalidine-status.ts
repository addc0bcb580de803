import type { CanonicalStatus } from './contract';

/**
 * Yalidine engine `last_status` / history `status` (exact French strings) → canonical, per
 * reference/couriers.md §2.8 and §8. `Echèc livraison` stays 'returning' until the parcel is back
 * with the seller (`Retourné au vendeur`): only 'returned' restocks.
 */
export const YALIDINE_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  'Pas encore expédié': 'created',
  'A vérifier': 'created',
  'En préparation': 'created',
  'Pas encore ramassé': 'pending_pickup',
  'Prêt à expédier': 'pending_pickup',
  'En passation': 'pending_pickup',
  Ramassé: 'picked_up',
  Transfert: 'in_transit',
  Expédié: 'in_transit',
  'En localisation': 'in_transit',
  'Vers Wilaya': 'in_transit',
  'En transit': 'in_transit',
  Débloqué: 'in_transit',
  Centre: 'at_hub',
  'Reçu à Wilaya': 'at_hub',
  'Prêt pour livreur': 'at_hub',
  'En attente du client': 'ready_for_pickup',
  'Sorti en livraison': 'out_for_delivery',
  'Tentative échouée': 'delivery_attempted',
  'En attente': 'on_hold',
  'En alerte': 'on_hold',
  'Alerte résolue': 'in_transit',
  Bloqué: 'on_hold',
  Livré: 'delivered',
  'Echèc livraison': 'returning',
  'Retour vers centre': 'returning',
  'Retourné au centre': 'returning',
  'Retour transfert': 'returning',
  'Retour groupé': 'returning',
  'Retour à retirer': 'returning',
  'Retour vers vendeur': 'returning',
  'Retourné au vendeur': 'returned',
  'Retour non retiré': 'returned',
  'Colis abandonné': 'returned',
  'Echange échoué': 'returned',
  Annulé: 'cancelled',
};
