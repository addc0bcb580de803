import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context';
import { conflict, invalidInput, notFound } from '../errors';

/**
 * Merchant-defined promo codes: the only way an order gets a discount (the model never sets one,
 * issue #4). A discount comes off the items subtotal, never off the delivery fee, in whole DZD.
 */
export const PROMO_KINDS = ['percent', 'amount'] as const;
export type PromoKind = (typeof PROMO_KINDS)[number];

/** Percent codes stop at 90: a 100 % code would ship goods for the delivery fee alone. */
export const MAX_PERCENT = 90;
const MAX_DZD = 100_000_000;

export const CODE_PATTERN = /^[A-Z0-9_-]{2,32}$/;
const Code = z
  .string()
  .trim()
  .toUpperCase()
  .regex(CODE_PATTERN, 'code: 2 to 32 letters (A–Z), digits, "-" or "_", no spaces')
  .describe('what the customer types; stored upper-cased');
const Instant = z.iso.datetime({ offset: true, message: 'a date-time with its offset, e.g. 2026-12-31T23:59:59+01:00' });

const fields = {
  code: Code,
  kind: z.enum(PROMO_KINDS).describe('percent: value is a percentage (1–90) of the items subtotal; amount: value is DZD off the items subtotal'),
  value: z.number().int('must be a whole number').min(1).max(MAX_DZD),
  min_subtotal: z.number().int('must be a whole number of DZD').min(0).max(MAX_DZD).describe('the items subtotal (DZD, delivery excluded) an order needs for the code to apply'),
  max_uses: z.number().int().min(1).max(10_000_000).nullable().describe('orders that may use the code; null = no limit'),
  starts_at: Instant.nullable(),
  ends_at: Instant.nullable(),
  active: z.boolean(),
};

interface Rules {
  kind?: PromoKind;
  value?: number;
  starts_at?: string | Date | null;
  ends_at?: string | Date | null;
}

/** The checks that span fields; run on a create and on a patch merged with the stored code. */
function ruleIssues(r: Rules): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (r.kind === 'percent' && r.value !== undefined && r.value > MAX_PERCENT) {
    issues.push({ path: 'value', message: `value: a percent code gives at most ${MAX_PERCENT} % off` });
  }
  if (r.starts_at && r.ends_at && new Date(r.ends_at) <= new Date(r.starts_at)) {
    issues.push({ path: 'ends_at', message: 'ends_at: the end must come after the start' });
  }
  return issues;
}

const refineRules = (r: Rules, ctx: z.RefinementCtx) => {
  for (const i of ruleIssues(r)) ctx.addIssue({ code: 'custom', path: [i.path], message: i.message });
};

export const PromoCodeInput = z
  .object({
    ...fields,
    min_subtotal: fields.min_subtotal.default(0),
    max_uses: fields.max_uses.optional(),
    starts_at: fields.starts_at.optional(),
    ends_at: fields.ends_at.optional(),
    active: fields.active.optional(),
  })
  .superRefine(refineRules);
export type PromoCodeInput = z.infer<typeof PromoCodeInput>;

export const PromoCodePatch = z.object(fields).partial().superRefine(refineRules);
export type PromoCodePatch = z.infer<typeof PromoCodePatch>;

export interface PromoCode {
  id: string;
  code: string;
  kind: PromoKind;
  value: number;
  min_subtotal: number;
  max_uses: number | null;
  uses: number;
  starts_at: Date | null;
  ends_at: Date | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['id', 'code', 'kind', 'value', 'min_subtotal', 'max_uses', 'uses', 'starts_at', 'ends_at', 'active', 'created_at', 'updated_at'];

/** What a customer or merchant typed, in the stored form ("  solde10 " → "SOLDE10"). */
export const normalizeCode = (code: string): string => code.trim().toUpperCase();

/** The discount a code gives on an items subtotal: floored percent, or the amount capped at the subtotal. */
export function discountFor(promo: Pick<PromoCode, 'kind' | 'value'>, subtotal: number): number {
  const d = promo.kind === 'percent' ? Math.floor((subtotal * promo.value) / 100) : promo.value;
  return Math.max(0, Math.min(d, subtotal));
}

async function audit(db: Knex, workspaceId: string, actor: string, action: string, target: string, data: unknown) {
  await db('audit_log').insert({ workspace_id: workspaceId, actor, action, target, data: JSON.stringify(data) });
}

function duplicate(code: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === '23505') {
      throw conflict(`The code ${code} already exists in this shop`, [{ path: 'code', message: `The code ${code} already exists in this shop` }]);
    }
    throw err;
  };
}

export async function listPromoCodes(db: Knex, workspaceId: string): Promise<PromoCode[]> {
  return db('promo_codes').where({ workspace_id: workspaceId }).select(COLUMNS).orderBy([{ column: 'active', order: 'desc' }, { column: 'created_at', order: 'desc' }]);
}

export async function getPromoCode(db: Knex, workspaceId: string, id: string): Promise<PromoCode> {
  if (!z.uuid().safeParse(id).success) throw notFound('Promo code');
  const row = await db('promo_codes').where({ workspace_id: workspaceId, id }).first(COLUMNS);
  if (!row) throw notFound('Promo code');
  return row;
}

export async function createPromoCode(ctx: AppContext, workspaceId: string, input: PromoCodeInput, actor: string): Promise<PromoCode> {
  return ctx.knex.transaction(async (trx) => {
    const [row] = await trx('promo_codes')
      .insert({
        workspace_id: workspaceId,
        code: input.code,
        kind: input.kind,
        value: input.value,
        min_subtotal: input.min_subtotal,
        max_uses: input.max_uses ?? null,
        starts_at: input.starts_at ?? null,
        ends_at: input.ends_at ?? null,
        active: input.active ?? true,
      })
      .returning(COLUMNS)
      .catch(duplicate(input.code));
    await audit(trx, workspaceId, actor, 'promo_code.created', row.id, { code: row.code, kind: row.kind, value: row.value });
    return row as PromoCode;
  });
}

export async function updatePromoCode(ctx: AppContext, workspaceId: string, id: string, patch: PromoCodePatch, actor: string): Promise<PromoCode> {
  return ctx.knex.transaction(async (trx) => {
    const current = await getPromoCode(trx, workspaceId, id);
    const issues = ruleIssues({ ...current, ...patch });
    if (issues.length) throw invalidInput(issues.map((i) => i.message).join('; '), issues);
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const [row] = await trx('promo_codes')
      .where({ workspace_id: workspaceId, id })
      .update({ ...changes, updated_at: trx.fn.now() })
      .returning(COLUMNS)
      .catch(duplicate(patch.code ?? current.code));
    await audit(trx, workspaceId, actor, 'promo_code.updated', id, { code: row.code, fields: Object.keys(changes) });
    return row as PromoCode;
  });
}

/** Orders keep the code's text and their discount (no foreign key), so a hard delete is safe. */
export async function deletePromoCode(ctx: AppContext, workspaceId: string, id: string, actor: string): Promise<void> {
  await ctx.knex.transaction(async (trx) => {
    const current = await getPromoCode(trx, workspaceId, id);
    await trx('promo_codes').where({ workspace_id: workspaceId, id }).delete();
    await audit(trx, workspaceId, actor, 'promo_code.deleted', id, { code: current.code });
  });
}

export interface ResolvedPromo {
  id: string;
  code: string;
  discount: number;
}

const dzd = (n: number) => `${n} DA`;
/** A calendar day in Algiers, as YYYY-MM-DD (the locale en-CA writes dates that way). */
export const algiersDay = (d: Date | string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Algiers' }).format(new Date(d));

export type PromoStatus = 'active' | 'inactive' | 'scheduled' | 'expired' | 'used_up';

/** Whether a code can be used now, and if not why: what resolvePromo refuses and the page shows. */
export function promoStatus(c: Pick<PromoCode, 'active' | 'starts_at' | 'ends_at' | 'max_uses' | 'uses'>, now = new Date()): PromoStatus {
  if (!c.active) return 'inactive';
  if (c.starts_at && new Date(c.starts_at) > now) return 'scheduled';
  if (c.ends_at && new Date(c.ends_at) <= now) return 'expired';
  if (c.max_uses !== null && c.uses >= c.max_uses) return 'used_up';
  return 'active';
}

/**
 * The discount `code` gives on an items `subtotal` in this workspace, or an invalid_input whose
 * message says why not, in words the model can pass on to the customer and a merchant can act on.
 * `alreadyCounted`: the order already holds this code (its use was counted when it was added), so
 * only the minimum subtotal is checked again: a later expiry or a full count does not take the
 * discount away from an order that got it.
 */
export async function resolvePromo(
  db: Knex,
  workspaceId: string,
  code: string,
  subtotal: number,
  opts: { alreadyCounted?: boolean; now?: Date } = {},
): Promise<ResolvedPromo> {
  const wanted = normalizeCode(code);
  const promo: PromoCode | undefined = CODE_PATTERN.test(wanted)
    ? await db('promo_codes').where({ workspace_id: workspaceId, code: wanted }).first(COLUMNS)
    : undefined;
  if (!promo) {
    throw invalidInput(
      opts.alreadyCounted
        ? `The promo code ${wanted} on this order no longer exists in this shop, so the new items cannot get its discount: remove the code to change them`
        : `The promo code "${wanted}" does not exist in this shop`,
    );
  }
  if (!opts.alreadyCounted) {
    const refusals: Record<Exclude<PromoStatus, 'active'>, () => string> = {
      inactive: () => `The promo code ${promo.code} is no longer active`,
      scheduled: () => `The promo code ${promo.code} is not valid yet: it starts on ${algiersDay(promo.starts_at!)}`,
      expired: () => `The promo code ${promo.code} expired on ${algiersDay(promo.ends_at!)}`,
      used_up: () => `The promo code ${promo.code} has been used up`,
    };
    const status = promoStatus(promo, opts.now);
    if (status !== 'active') throw invalidInput(refusals[status]());
  }
  if (subtotal < promo.min_subtotal) {
    // The figure rides in details too: the agent may quote it (a server amount, not the model's).
    throw invalidInput(`The promo code ${promo.code} needs a subtotal of at least ${dzd(promo.min_subtotal)} (items, delivery not included)`, {
      min_subtotal: promo.min_subtotal,
    });
  }
  return { id: promo.id, code: promo.code, discount: discountFor(promo, subtotal) };
}

/**
 * Counts one use, atomically against max_uses: two orders racing for the last use cannot both get
 * it (the row update serialises them; the loser sees no row updated).
 */
export async function countPromoUse(trx: Knex.Transaction, workspaceId: string, promo: ResolvedPromo): Promise<void> {
  const n = await trx('promo_codes')
    .where({ workspace_id: workspaceId, id: promo.id })
    .andWhere((w) => w.whereNull('max_uses').orWhereRaw('uses < max_uses'))
    .update({ uses: trx.raw('uses + 1'), updated_at: trx.fn.now() });
  if (!n) throw invalidInput(`The promo code ${promo.code} has been used up`);
}
