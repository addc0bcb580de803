import type { TextLimit } from './contract';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const SENTENCE_END = /[.!?؟。…\n]/;

function measure(s: string, unit: TextLimit['unit']): number {
  return unit === 'bytes' ? Buffer.byteLength(s, 'utf8') : [...s].length;
}

/**
 * Splits text into parts that each fit the channel's limit, preferring (in order) a sentence end,
 * then whitespace, and only for a single over-long word a grapheme boundary — never inside a
 * surrogate pair, a combining sequence or an Arabic letter. Parts are trimmed; none is empty.
 */
export function splitText(text: string, limit: TextLimit): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (measure(rest, limit.unit) <= limit.max) {
      parts.push(rest);
      break;
    }
    // Grapheme ends that still fit.
    let size = 0;
    let lastFit = 0;
    let sentenceCut = 0;
    let spaceCut = 0;
    for (const { segment, index } of segmenter.segment(rest)) {
      const w = measure(segment, limit.unit);
      if (size + w > limit.max) break;
      size += w;
      const end = index + segment.length;
      lastFit = end;
      if (SENTENCE_END.test(segment)) sentenceCut = end;
      else if (/\s/.test(segment)) spaceCut = index;
    }
    // A sentence end counts only when it keeps the part reasonably full (≥ half the limit).
    let cut = sentenceCut > 0 && measure(rest.slice(0, sentenceCut), limit.unit) >= limit.max / 2 ? sentenceCut : 0;
    if (!cut) cut = spaceCut > 0 ? spaceCut : sentenceCut || lastFit;
    if (cut <= 0) cut = lastFit > 0 ? lastFit : rest.length; // a single grapheme larger than the limit: give up splitting
    const part = rest.slice(0, cut).trim();
    if (part) parts.push(part);
    rest = rest.slice(cut).trim();
  }
  return parts;
}
