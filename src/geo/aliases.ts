/**
 * Names people use that no official text prints: Darija forms, Tamazight forms, abbreviations and
 * the colonial-era names still heard in shops ("Belcourt", "Maison Carrée"). Only names that point
 * to one place unambiguously belong here; spelling variants are handled by normalisation instead.
 */

/** By wilaya code. A wilaya's aliases also name its seat commune (Bgayet is the town of Béjaïa). */
export const WILAYA_ALIASES: Record<string, string[]> = {
  '02': ['El Asnam', 'Orléansville', 'Echlef', 'Ech Cheliff', 'الأصنام'],
  '03': ['Lghouat', 'Laghwat'],
  '04': ['OEB', 'Oum Bouaghi'],
  '06': ['Bgayet', 'Vgayet', 'Bougie', 'Bjaya', 'Bijaya', 'Bejaya'],
  '07': ['Beskra'],
  '09': ['Boulaida', 'Blida'],
  '10': ['Tubiret', 'Tuviret'],
  '11': ['Tamanrasset', 'Tam'],
  '13': ['Tilimsen', 'Tlemsen'],
  '14': ['Tihert', 'Tiharet'],
  '15': ['Tizi', 'Tizi Wezzu', 'Tizi Ouzzou'],
  '16': ['Algiers', 'Dzayer', 'Dzair', 'El Djazair', 'Djazair', 'Jazair', 'El Dzayer', 'Dziri'],
  '18': ['Djidjel'],
  '19': ['Stif', 'Stayef'],
  '21': ['Philippeville', 'Sgigda'],
  '22': ['SBA', 'Bel Abbès', 'Belabbès', 'Sidi Belabbes'],
  '23': ['Bône', 'Bouna'],
  '25': ['Qsantina', 'Ksentina', 'Qacentina', 'Cirta', 'Constantina'],
  '26': ['Lemdiya', 'Lemdia'],
  '27': ['Mosta', 'Mestghanem', 'Mestganem'],
  '28': ['Msila', 'Messila'],
  '29': ['Mouaskar', 'Mouasker', 'Maaskar'],
  '30': ['Wargla', 'Warqla', 'Ouergla'],
  '31': ['Wahran', 'Ouahran', 'Wehran'],
  '32': ['Labiod', 'Lbayed'],
  '34': ['BBA', 'Bordj Bou Arreridj', 'Bordj Bouareridj'],
  '36': ['Tarf'],
  '39': ['Souf', 'Oued Souf', 'Wad Souf'],
  '40': ['Khenchla'],
  '42': ['Tipasa', 'Tbaza'],
  '45': ['Nâama'],
  '46': ['Temouchent', 'Tmouchent'],
  '47': ['Ghardaya', 'Taghardait'],
  '48': ['Ghilizane', 'Ighil Izane', 'Ghilizan'],
  '50': ['BBM'],
  '55': ['Tuggurt'],
  '57': ['El Mghair', 'Mghaier'],
  '58': ['El Goléa', 'El Golea', 'Menia'],
  '68': ['Bousaada', 'Bou Saada'],
};

/** By commune code: names for the commune only (not for a whole wilaya). */
export const COMMUNE_ALIASES: Record<string, string[]> = {
  '1601': ['Alger', 'Algiers', 'Dzayer', 'El Djazair', 'Alger Center'],
  '1604': ['Belcourt', 'Belouizdad'],
  '1605': ['Bab Loued'],
  '1606': ['Saint Eugène'],
  '1607': ['La Casbah', 'Kasbah', 'Qasba', 'El Kasba'],
  '1609': ['Birmandreis'],
  '1613': ['Maison Carrée'],
  '1620': ['Maison Blanche'],
  '1630': ['Fort de l’Eau'],
  '1631': ['Magharia'],
  '4404': ['Khemis Miliana'],
};
