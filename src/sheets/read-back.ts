import type { AppContext } from '../context';
import { AppError } from '../errors';
import { canTransition, ORDER_STATUSES, type OrderStatus } from '../orders/status';
import { statusLabel, type Language } from './layout';
import { transitionOrder } from '../orders/service';
import { parseStatusWord, sameWord } from './status-words';

/** One order row as read from the sheet this cycle. */
export interface SheetCell {
  row: number;
  status: string;
  note: string;
}

/** A cell note to set (text) or clear (null) on an order's Status cell. */
export interface NoteWrite {
  orderId: string;
  row: number;
  note: string | null;
}

const MERCHANT_STATUSES: OrderStatus[] = ['confirmed', 'cancelled', 'shipped', 'delivered', 'returned'];

const MESSAGES: Record<Language, { unknown: (v: string, choices: string) => string; refused: (v: string, from: string) => string }> = {
  fr: {
    unknown: (v, c) => `Wakil ne comprend pas « ${v} ». Écrivez un de ces statuts : ${c}.`,
    refused: (v, from) => `Wakil n'a pas appliqué « ${v} » : la commande est « ${from} » et ne peut pas passer à ce statut.`,
  },
  ar: {
    unknown: (v, c) => `لم يفهم وكيل «${v}». اكتب إحدى هذه الحالات: ${c}.`,
    refused: (v, from) => `لم يطبق وكيل «${v}»: حالة الطلب «${from}» ولا يمكن أن تنتقل إلى هذه الحالة.`,
  },
  en: {
    unknown: (v, c) => `Wakil does not understand "${v}". Write one of: ${c}.`,
    refused: (v, from) => `Wakil did not apply "${v}": the order is "${from}" and cannot move to that status.`,
  },
};

export interface ReadBackResult {
  notes: NoteWrite[];
  applied: number;
  rejected: number;
}

/**
 * Compares the Status cells with what Wakil last wrote (sheet_rows.written_status): only a
 * difference is a merchant edit, so Wakil's own values are never read back as edits. A valid edit
 * goes through the orders' transitionOrder (stock, and the hooks: courier booking, mirror,
 * webhooks). An invalid one is left in place and gets a cell note, once: rejected_value remembers it.
 */
export async function applyMerchantEdits(ctx: AppContext, workspaceId: string, lang: Language, cells: Map<string, SheetCell>): Promise<ReadBackResult> {
  const result: ReadBackResult = { notes: [], applied: 0, rejected: 0 };
  if (!cells.size) return result;
  const tracked = await ctx
    .knex('sheet_rows as sr')
    .join('orders as o', function () {
      this.on('o.id', 'sr.entity_id').andOn('o.workspace_id', 'sr.workspace_id');
    })
    .where('sr.workspace_id', workspaceId)
    .andWhere('sr.entity', 'order')
    .whereNotNull('sr.written_status')
    .whereIn('sr.entity_id', [...cells.keys()])
    .select('sr.entity_id as id', 'sr.written_status', 'sr.rejected_value', 'sr.sheet_note', 'o.status');

  const choices = MERCHANT_STATUSES.map((s) => statusLabel(lang, s)).join(', ');
  for (const t of tracked) {
    const cell = cells.get(t.id)!;
    const rowKey = { workspace_id: workspaceId, entity: 'order', entity_id: t.id };
    if (cell.note !== (t.sheet_note ?? '')) await ctx.knex('sheet_rows').where(rowKey).update({ sheet_note: cell.note });

    const value = cell.status.trim();
    const clearRejection = async (patch: Record<string, unknown> = {}) => {
      await ctx.knex('sheet_rows').where(rowKey).update({ rejected_value: null, ...patch });
      if (t.rejected_value !== null) result.notes.push({ orderId: t.id, row: cell.row, note: null });
    };
    if (!value || sameWord(value, t.written_status)) {
      if (t.rejected_value !== null) await clearRejection();
      continue;
    }
    if (t.rejected_value !== null && value === t.rejected_value) continue; // noted already: do not nag

    const from = t.status as OrderStatus;
    const target = parseStatusWord(value);
    const reject = async (note: string) => {
      await ctx.knex('sheet_rows').where(rowKey).update({ rejected_value: value });
      result.notes.push({ orderId: t.id, row: cell.row, note });
      result.rejected += 1;
    };
    if (!target) {
      await reject(MESSAGES[lang].unknown(value, choices));
    } else if (target === from) {
      // The merchant's spelling of the current status: accept it as written, nothing to change.
      await clearRejection({ written_status: value });
    } else if (!ORDER_STATUSES.includes(target) || !canTransition(from, target)) {
      await reject(MESSAGES[lang].refused(value, statusLabel(lang, from)));
    } else {
      try {
        await transitionOrder(ctx, workspaceId, t.id, target, 'system', { confirmedBy: 'merchant' });
        result.applied += 1;
        await clearRejection();
        ctx.logger.info({ workspaceId, orderId: t.id, from, to: target }, 'order status changed from the sheet');
      } catch (err) {
        // Lost a race with another change (courier, agent): the machine refused, say so in the cell.
        if (!(err instanceof AppError) || err.type !== 'conflict') throw err;
        await reject(`${MESSAGES[lang].refused(value, statusLabel(lang, from))} (${err.message})`);
      }
    }
  }
  return result;
}
