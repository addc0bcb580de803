import fs from 'node:fs';
import path from 'node:path';

/** prompts/ at the repository root: the agent's words live in Markdown, not in code. */
const DIR = path.resolve(__dirname, '../../prompts');
const cache = new Map<string, string>();

export function loadPrompt(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(DIR, name), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** `{{key}}` substitution; an unknown key is an error so a template typo fails loudly in tests. */
export function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => {
    if (!(k in vars)) throw new Error(`prompt variable {{${k}}} has no value`);
    return vars[k]!;
  });
}

export type Lang = 'darija' | 'arabizi' | 'fr' | 'ar' | 'en';

/** `## key.lang` sections of prompts/messages.md. */
export function fixedMessage(key: string, lang: Lang, vars: Record<string, string> = {}): string {
  const text = loadPrompt('messages.md');
  const find = (l: string) => {
    const m = new RegExp(`^## ${key}\\.${l}\\s*\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, 'm').exec(text);
    return m?.[1]?.trim();
  };
  const body = find(lang) ?? find('fr') ?? find('en');
  if (!body) throw new Error(`prompts/messages.md has no ${key}`);
  return render(body, vars);
}

const ARABIZI = /\b(salam|slm|ch7al|chhal|9adach|bghit|nheb|n7eb|wach|wesh|khoya|kho|ukhti|sahbi|sa7bi|mlih|m9awed|3lach|kifach|bezaf|bzf|rani|raki|rak|hadi|hada|ta3|dyal|l'prix|prix ta3|wah|ih|la3ziz|inchallah|nchallah|yaatik|ya3tik|saha|sa7a)\b|[a-z][379][a-z]/i;
const FRENCH = /\b(bonjour|bonsoir|merci|je|vous|livraison|combien|prix|commande|est-ce|oui|svp|s'il|voudrais|taille|couleur)\b/i;
const DARIJA_AR = /(واش|بغيت|شحال|قداش|نحب|خويا|راني|ديال|تاع|بزاف|كيفاش|علاش|مليح|دروك|برك)/;

/** The customer's language and script, from their recent text (best effort; the model adapts). */
export function detectLanguage(text: string, fallback: Lang = 'fr'): Lang {
  const t = text.trim();
  if (!t) return fallback;
  const arabic = (t.match(/[\u0600-\u06ff]/g) ?? []).length;
  const latin = (t.match(/[a-z]/gi) ?? []).length;
  if (arabic > latin) return DARIJA_AR.test(t) ? 'darija' : 'ar';
  if (ARABIZI.test(t)) return 'arabizi';
  if (FRENCH.test(t)) return 'fr';
  if (/\b(the|hello|hi|how much|price|please|delivery|want|order)\b/i.test(t)) return 'en';
  return fallback;
}
