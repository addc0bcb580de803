/**
 * Normalisation of place names as customers type them: French spellings, Arabic script and
 * Arabizi (Darija in Latin letters with digits for Arabic sounds). Every name and every query goes
 * through the same functions, so matching only has to compare keys.
 */

const ARABIC_INDIC = /[\u0660-\u0669\u06f0-\u06f9]/g;
/** ٠-٩ (U+0660) and Eastern ۰-۹ (U+06F0) to ASCII digits. */
export function asciiDigits(s: string): string {
  return s.replace(ARABIC_INDIC, (d) => String((d.charCodeAt(0) & 0xf) % 10));
}

const ARABIC_LETTER = /[\u0621-\u064a\u0671-\u06d3\u06a4\u06a8\u06af]/;
export function hasArabic(s: string): boolean {
  return ARABIC_LETTER.test(s);
}

// Tokens that carry no place information in either script.
const STOPWORDS = new Set([
  'commune', 'wilaya', 'wilayat', 'daira', 'de', 'du', 'des', 'd', 'ville', 'city', 'baladia', 'baladiya', 'bladia',
  'province', 'centre', 'center', 'centr', 'markaz', 'w',
  'بلدية', 'ولاية', 'دائرة', 'مدينة', 'مركز', 'وسط',
]);
// "Alger Centre" is the only official name with "centre"; keeping it a stopword lets "alger" reach it.

/** Articles, dropped in the "core" key: El/Al/L/Le/La and the assimilated forms (Ez Zouar, Es Senia). */
const ARTICLES = new Set(['el', 'al', 'l', 'le', 'la', 'les', 'ez', 'es', 'et', 'ed', 'er', 'en', 'ech']);

/** Common word variants folded to one canonical token (after the letter folding below). */
const SYNONYMS: Record<string, string> = {
  // Aïn / 3in / Ayn / Ain; "In Salah" is also written "Aïn Salah".
  ain: 'ain', aine: 'ain', ein: 'ain', ayn: 'ain', aiin: 'ain', in: 'ain',
  // Ouled / Wled / Oulad / Awlad (u after folding)
  uled: 'uled', ulad: 'uled', uld: 'uled', aulad: 'uled', auled: 'uled', oled: 'uled',
  // Bordj / Borj / Bourj
  borj: 'borj', burj: 'borj', brj: 'borj',
  si: 'sidi', sid: 'sidi', sidi: 'sidi', sidii: 'sidi',
  bin: 'ben', ibn: 'ben', ben: 'ben', bn: 'ben',
  bni: 'beni', bani: 'beni', beni: 'beni', banu: 'beni',
  ued: 'ued', uad: 'ued', uadi: 'ued', uedi: 'ued',
  jebel: 'jebel', jbel: 'jebel', jabal: 'jebel', jbal: 'jebel',
  kasr: 'ksar', ksar: 'ksar', kser: 'ksar',
  suk: 'suk', sok: 'suk',
  bu: 'bu', abu: 'bu', abou: 'bu',
  mohamed: 'mohamed', mohammed: 'mohamed', muhamed: 'mohamed', mohmed: 'mohamed', mhamed: 'mhamed',
  };

const LATIN_FOLDS: [RegExp, string][] = [
  [/tch/g, 'ch'],
  [/dj/g, 'j'],
  [/sh/g, 'ch'],
  [/qu/g, 'k'],
  [/q/g, 'k'],
  [/ck/g, 'k'],
  [/kh/g, 'k'],
  [/gh/g, 'g'],
  [/gu(?=[eiy])/g, 'g'],
  [/th/g, 't'],
  [/dh/g, 'd'],
  [/ph/g, 'f'],
  [/ou/g, 'u'],
  [/oo/g, 'u'],
  [/w/g, 'u'],
  [/y/g, 'i'],
  [/(.)\1+/g, '$1'],
  // Mansourah / Mansoura, Rouibah / Rouiba
  [/([aeiu])h$/g, '$1'],
];

function foldLatin(token: string): string {
  let t = token;
  for (const [re, to] of LATIN_FOLDS) t = t.replace(re, to);
  return t;
}

/**
 * Arabizi digits to letters: 3 = ع, 7 = ح, 9 = ق, 5 = خ, 2 = ء, 8 = غ. "l3alma"/"el3alma" carry
 * the article glued on, like "lbiar".
 */
function deArabizi(token: string): string {
  if (!/[a-z]/.test(token) || !/[235789]/.test(token)) return token;
  return token
    .replace(/3/g, 'a')
    .replace(/7/g, 'h')
    .replace(/9/g, 'k')
    .replace(/5/g, 'kh')
    .replace(/8/g, 'gh')
    .replace(/2/g, '');
}

export interface NameKeys {
  /** Folded tokens, articles kept. */
  full: string[];
  /** Folded tokens without articles. */
  core: string[];
}

/** Latin-script keys for a name or query. Pure-number tokens are kept apart (wilaya numbers). */
export function latinKeys(input: string): NameKeys & { numbers: number[] } {
  const s = asciiDigits(input)
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’'`´ʼʻ‘]/g, '')
    .replace(/[^a-z0-9\u0600-\u06ff]+/g, ' ');
  const numbers: number[] = [];
  const full: string[] = [];
  const core: string[] = [];
  for (const raw of s.split(' ')) {
    if (!raw || /[\u0600-\u06ff]/.test(raw)) continue;
    if (/^\d+$/.test(raw)) {
      numbers.push(Number(raw));
      continue;
    }
    // Glued articles in Arabizi: l3alma, el7arrach, lbiar (only the digit forms are unambiguous).
    const glued = /^(e?l)([37952].+)$/.exec(raw);
    const word = glued ? glued[2]! : raw;
    if (glued) full.push('el');
    // Bab Ezzouar: an assimilated article glued to its doubled sun letter.
    const assimilated = /^e([tdrzsn])\1(.{2,})$/.exec(word);
    const base = foldLatin(deArabizi(word));
    if (!base || STOPWORDS.has(raw) || STOPWORDS.has(base)) continue;
    const tok = SYNONYMS[base] ?? base;
    full.push(tok);
    if (ARTICLES.has(raw) || ARTICLES.has(tok)) continue;
    core.push(assimilated ? foldLatin(assimilated[1]! + assimilated[2]!) : tok);
  }
  return { full, core, numbers };
}

const AR_FOLDS: [RegExp, string][] = [
  [/[\u064b-\u065f\u0670\u0640]/g, ''], // harakat, dagger alif, tatweel
  [/[أإآٱ]/g, 'ا'],
  [/ى/g, 'ي'],
  [/ی/g, 'ي'],
  [/ة/g, 'ه'],
  [/ؤ/g, 'و'],
  [/ئ/g, 'ي'],
  [/ء/g, ''],
  [/[ڤڨگ]/g, 'ق'],
  [/پ/g, 'ب'],
  [/ک/g, 'ك'],
  [/(.)\1+/g, '$1'],
];

/** Arabic-script keys. "ال" is an article when glued to a word of 2+ letters. */
export function arabicKeys(input: string): NameKeys {
  let s = asciiDigits(input).replace(/[،,.\-_/()’'"]+/g, ' ');
  for (const [re, to] of AR_FOLDS) s = s.replace(re, to);
  const full: string[] = [];
  const core: string[] = [];
  for (const raw of s.split(/\s+/)) {
    const t = raw.replace(/[^\u0621-\u064a]/g, '');
    if (!t || STOPWORDS.has(t)) continue;
    const tok = t === 'ابن' ? 'بن' : t;
    full.push(tok);
    if (tok === 'ال') continue;
    core.push(tok.startsWith('ال') && tok.length > 3 ? tok.slice(2) : tok);
  }
  return { full, core };
}

const AR_TO_LATIN: Record<string, string> = {
  ا: 'a', ب: 'b', ت: 't', ث: 't', ج: 'j', ح: 'h', خ: 'kh', د: 'd', ذ: 'd', ر: 'r', ز: 'z', س: 's', ش: 'ch',
  ص: 's', ض: 'd', ط: 't', ظ: 'd', ع: 'a', غ: 'gh', ف: 'f', ق: 'k', ك: 'k', ل: 'l', م: 'm', ن: 'n', ه: 'h',
  و: 'u', ي: 'i',
};

/**
 * A rough Latin reading of an Arabic name, for Darija spellings that follow the Arabic rather than
 * the French form (وهران "wahran", سطيف "stif", قسنطينة "qsantina").
 */
export function transliterate(arabic: string): string {
  const { full } = arabicKeys(arabic);
  return full
    .map((t) => {
      const article = t.startsWith('ال') && t.length > 3;
      const word = article ? t.slice(2) : t;
      // A final ة (folded to ه) is read as "a": قسنطينة → ksntina.
      const latin = [...word].map((c, i) => (c === 'ه' && i === word.length - 1 ? 'a' : (AR_TO_LATIN[c] ?? ''))).join('');
      return article ? `el ${latin}` : latin;
    })
    .join(' ');
}

/** Consonant skeleton: vowels are where Darija and French spellings differ most (Eulma / l3alma). */
export function skeleton(key: string): string {
  return key.replace(/[aeiu]/g, '');
}
