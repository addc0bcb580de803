import { invalidInput } from '../errors';
import { normalizePhone } from './phone';
import { resolveCommune, resolveWilaya } from './resolve';

/**
 * A delivery phone and place as a person typed them, checked: the value, or invalid_input naming
 * the field (`details: [{ path, message }]`) with the resolver's own reason. Each edge words the
 * refusal for its reader: the merchant's form and API show it as is, the agent's tools add what
 * to ask the customer (src/agent/address.ts).
 */
const fieldError = (path: string, message: string) => invalidInput(message, [{ path, message }]);

/** Algerian phone → E.164. The reason only, not the number: error messages can reach logs. */
export function checkedPhone(raw: string): string {
  const r = normalizePhone(raw);
  if (!r.ok) throw fieldError('phone', `Phone: ${r.reason}`);
  return r.e164;
}

export interface CheckedPlace {
  wilayaCode: string;
  wilayaName: string;
  communeCode: string | null;
  communeName: string | null;
}

/** Wilaya (name or number) and, when given, a commune inside it. */
export function checkedPlace(wilayaText: string, communeText?: string): CheckedPlace {
  const w = resolveWilaya(wilayaText);
  if (w.kind !== 'match') throw fieldError('wilaya', w.message);
  if (!communeText?.trim()) return { wilayaCode: w.wilaya.code, wilayaName: w.wilaya.nameFr, communeCode: null, communeName: null };
  const c = resolveCommune(communeText, { wilaya: w.wilaya.code });
  if (c.kind !== 'match') throw fieldError('commune', c.message);
  return { wilayaCode: c.commune.wilaya, wilayaName: c.commune.wilayaNameFr, communeCode: c.commune.code, communeName: c.commune.nameFr };
}
