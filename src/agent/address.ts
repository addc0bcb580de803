import type { AppContext } from '../context';
import { AppError } from '../errors';
import { checkedPhone, checkedPlace, type CheckedPlace } from '../geo/checked-input';
import { quoteDelivery } from '../shipping/tariffs';
import { ToolInputError } from './tool-error';

/**
 * Glue between the agent's tools and the geo / phone / shipping modules: every refusal becomes a
 * ToolInputError carrying the module's own wording ("commune X is ambiguous: A or B. Ask ...").
 */
export type Place = CheckedPlace;

export function resolvePlace(wilayaText: string, communeText: string | undefined): Place {
  return asToolError(() => checkedPlace(wilayaText, communeText));
}

/** Algerian delivery phone → E.164, with src/geo/phone.ts's reason when it is not usable. */
export function normalizeCustomerPhone(raw: string): string {
  return asToolError(() => checkedPhone(raw), '. Ask the customer to check it.');
}

/** The check's own reason (plus what to ask the customer) as a refusal the model can act on. */
function asToolError<T>(check: () => T, ask = ''): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof AppError && e.type === 'invalid_input') throw new ToolInputError(`${e.message}${ask}`);
    throw e;
  }
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
