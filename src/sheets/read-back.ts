import type { AppContext } from '../context';
import { AppError } from '../errors';
import { updateLeadStatus } from '../leads/leads';
import { canTransitionLead, type LeadStatus } from '../leads/status';
import { canTransition, ORDER_STATUSES, type OrderStatus } from '../orders/status';
import { transitionOrder } from '../orders/service';
import { leadStatusLabel, statusLabel, type Language } from './layout';
import { parseLeadStatusWord, parseStatusWord, sameWord } from './status-words';

export type SheetEntity = 'order' | 'lead';

/** One order or lead row as read from the sheet this cycle. */
export interface SheetCell {
  row: number;
  status: string;
  /** The merchant's Note column; only the Orders tab has one. */
  note?: string;
}

/** A cell note to set (text) or clear (null) on an order's or lead's Status cell. */
export interface NoteWrite {
  entity: SheetEntity;
  id: string;
  row: number;
  note: string | null;
}

/**
 * What differs between reading back the Orders tab and the Leads tab; everything else (what counts
 * as an edit, when to note, when to stop nagging) is one code path for both.
 */
interface Vocabulary<S extends string> {
  entity: SheetEntity;
  table: 'orders' | 'leads';
  /** The statuses a merchant may set, listed in the note for a word Wakil does not know. */
  choices: readonly S[];
  parse(cell: string): S | null;
  label(lang: Language, status: S): string;
  canMove(from: S, to: S): boolean;
  /** Applies the change through the domain (status table, audit, hooks); throws a conflict when refused. */
  apply(ctx: AppContext, workspaceId: string, id: string, to: S): Promise<void>;
}

/**
 * Who made a change read back from the sheet: someone with edit access to it, not a signed-in
 * member, so the audit log says where it came from rather than 'system'.
 */
export const SHEET_ACTOR = 'sheet';

const ORDERS: Vocabulary<OrderStatus> = {
  entity: 'order',
  table: 'orders',
  choices: ['confirmed', 'cancelled', 'shipped', 'delivered', 'returned'],
  parse: parseStatusWord,
  label: statusLabel,
  canMove: (from, to) => ORDER_STATUSES.includes(to) && canTransition(from, to),
  apply: async (ctx, workspaceId, id, to) => {
    await transitionOrder(ctx, workspaceId, id, to, SHEET_ACTOR, { confirmedBy: 'merchant' });
  },
};

const LEADS: Vocabulary<LeadStatus> = {
  entity: 'lead',
  table: 'leads',
  choices: ['contacted', 'converted', 'lost'],
  parse: parseLeadStatusWord,
  label: leadStatusLabel,
  canMove: canTransitionLead,
  apply: async (ctx, workspaceId, id, to) => {
    await updateLeadStatus(ctx, workspaceId, id, to, SHEET_ACTOR);
  },
};

const VOCABULARIES = { order: ORDERS, lead: LEADS } as const;

type Messages = { unknown: (v: string, choices: string) => string; refused: (v: string, from: string, entity: SheetEntity) => string };
const MESSAGES: Record<Language, Messages> = {
  fr: {
    unknown: (v, c) => `Wakil ne comprend pas « ${v} ». Écrivez un de ces statuts : ${c}.`,
    refused: (v, from, e) => `Wakil n'a pas appliqué « ${v} » : ${e === 'order' ? 'la commande' : 'le prospect'} est « ${from} » et ne peut pas passer à ce statut.`,
  },
  ar: {
    unknown: (v, c) => `لم يفهم وكيل «${v}». اكتب إحدى هذه الحالات: ${c}.`,
    refused: (v, from, e) => `لم يطبق وكيل «${v}»: حالة ${e === 'order' ? 'الطلب' : 'العميل المحتمل'} «${from}» ولا يمكن أن تنتقل إلى هذه الحالة.`,
  },
  en: {
    unknown: (v, c) => `Wakil does not understand "${v}". Write one of: ${c}.`,
    refused: (v, from, e) => `Wakil did not apply "${v}": the ${e} is "${from}" and cannot move to that status.`,
  },
};

export interface ReadBackResult {
  notes: NoteWrite[];
  applied: number;
  rejected: number;
}

/**
 * Compares the Status cells of one tab with what Wakil last wrote (sheet_rows.written_status): only
 * a difference is a merchant edit, so Wakil's own values are never read back as edits. A valid edit
 * goes through the domain (orders: transitionOrder with stock and the hooks: courier booking,
 * mirror, webhooks; leads: updateLeadStatus). An invalid one is left in place and gets a cell note,
 * once: rejected_value remembers it.
 */
export async function applyMerchantEdits(
  ctx: AppContext,
  workspaceId: string,
  lang: Language,
  entity: SheetEntity,
  cells: Map<string, SheetCell>,
): Promise<ReadBackResult> {
  return readBack(ctx, workspaceId, lang, VOCABULARIES[entity] as Vocabulary<string>, cells);
}

async function readBack<S extends string>(ctx: AppContext, workspaceId: string, lang: Language, v: Vocabulary<S>, cells: Map<string, SheetCell>): Promise<ReadBackResult> {
  const result: ReadBackResult = { notes: [], applied: 0, rejected: 0 };
  if (!cells.size) return result;
  const tracked = await ctx
    .knex('sheet_rows as sr')
    .join(`${v.table} as e`, function () {
      this.on('e.id', 'sr.entity_id').andOn('e.workspace_id', 'sr.workspace_id');
    })
    .where('sr.workspace_id', workspaceId)
    .andWhere('sr.entity', v.entity)
    .whereNotNull('sr.written_status')
    .whereIn('sr.entity_id', [...cells.keys()])
    .select('sr.entity_id as id', 'sr.written_status', 'sr.rejected_value', 'sr.sheet_note', 'e.status');

  const choices = v.choices.map((s) => v.label(lang, s)).join(', ');
  for (const t of tracked) {
    const cell = cells.get(t.id)!;
    const rowKey = { workspace_id: workspaceId, entity: v.entity, entity_id: t.id };
    if (cell.note !== undefined && cell.note !== (t.sheet_note ?? '')) await ctx.knex('sheet_rows').where(rowKey).update({ sheet_note: cell.note });

    const value = cell.status.trim();
    const clearRejection = async (patch: Record<string, unknown> = {}) => {
      await ctx.knex('sheet_rows').where(rowKey).update({ rejected_value: null, ...patch });
      if (t.rejected_value !== null) result.notes.push({ entity: v.entity, id: t.id, row: cell.row, note: null });
    };
    if (!value || sameWord(value, t.written_status)) {
      if (t.rejected_value !== null) await clearRejection();
      continue;
    }
    if (t.rejected_value !== null && value === t.rejected_value) continue; // noted already: do not nag

    const from = t.status as S;
    const refused = () => MESSAGES[lang].refused(value, v.label(lang, from), v.entity);
    const target = v.parse(value);
    const reject = async (note: string) => {
      await ctx.knex('sheet_rows').where(rowKey).update({ rejected_value: value });
      result.notes.push({ entity: v.entity, id: t.id, row: cell.row, note });
      result.rejected += 1;
    };
    if (!target) {
      await reject(MESSAGES[lang].unknown(value, choices));
    } else if (target === from) {
      // The merchant's spelling of the current status: accept it as written, nothing to change.
      await clearRejection({ written_status: value });
    } else if (!v.canMove(from, target)) {
      await reject(refused());
    } else {
      try {
        await v.apply(ctx, workspaceId, t.id, target);
        result.applied += 1;
        await clearRejection();
        ctx.logger.info({ workspaceId, entity: v.entity, id: t.id, from, to: target }, 'status changed from the sheet');
      } catch (err) {
        // Lost a race with another change (courier, agent, a member): the machine refused, say so in the cell.
        if (!(err instanceof AppError) || err.type !== 'conflict') throw err;
        await reject(`${refused()} (${err.message})`);
      }
    }
  }
  return result;
}
