import type { AppContext } from '../context';
import { AppError } from '../errors';
import { normalizePhone } from '../geo/phone';
import { quoteDelivery } from '../shipping/tariffs';
import { resolveCommune, resolveWilaya } from '../geo/resolve';
import { ToolInputError } from './tool-error';

/**
 * Glue between the agent's tools and the geo / phone / shipping modules: every refusal becomes a
 * ToolInputError carrying the module's own wording ("commune X is ambiguous: A or B. Ask ...").
 */
export interface Place {
  wilayaCode: string;
  wilayaName: string;
  communeCode: string | null;
  communeName: string | null;
}

export function resolvePlace(wilayaText: string, communeText: string | undefined): Place {
  const w = resolveWilaya(wilayaText);
  if (w.kind !== 'match') throw new ToolInputError(w.message);
  if (!communeText?.trim()) return { wilayaCode: w.wilaya.code, wilayaName: w.wilaya.nameFr, communeCode: null, communeName: null };
  const c = resolveCommune(communeText, { wilaya: w.wilaya.code });
  if (c.kind !== 'match') throw new ToolInputError(c.message);
  return { wilayaCode: c.commune.wilaya, wilayaName: c.commune.wilayaNameFr, communeCode: c.commune.code, communeName: c.commune.nameFr };
}

/** Algerian delivery phone → E.164, with src/geo/phone.ts's reason when it is not usable. */
export function normalizeCustomerPhone(raw: string): string {
  const r = normalizePhone(raw);
  if (!r.ok) throw new ToolInputError(`Phone "${raw}": ${r.reason}. Ask the customer to check it.`);
  return r.e164;
}

export interface FeeQuote {
  fee: number;
  delay?: string | null;
  courier?: string | null;
}

/** The fee from the workspace's courier tariffs (merchant override first); refusals become tool errors. */
export async function quoteFee(
  ctx: AppContext,
  workspaceId: string,
  q: { wilayaCode: string; communeCode?: string; deliveryType: 'home' | 'stopdesk' },
): Promise<FeeQuote> {
  try {
    const quote = await quoteDelivery(ctx, workspaceId, q);
    return { fee: quote.fee, courier: quote.courier, delay: quote.delayDays ? `${quote.delayDays} days` : null };
  } catch (e) {
    if (e instanceof AppError && e.type !== 'unexpected_state' && e.type !== 'provider_error') {
      throw new ToolInputError(`${e.message}. Do not guess a fee: tell the customer the team will confirm it, or use handoff_to_human.`);
    }
    throw e;
  }
}
