import crypto from 'node:crypto';
import type { sheets_v4 } from '@googleapis/sheets';
import type { Knex } from 'knex';
import type { SheetConnection } from './connection-store';
import { leadHeader, orderHeader, type Language } from './layout';

export interface Tab {
  sheetId: number;
  title: string;
}

export interface Tabs {
  orders: Tab;
  leads: Tab;
  title: string;
  /** What the merchant should know: a tab was renamed or recreated. */
  notices: string[];
}

type Kind = 'orders' | 'leads';

const NOTICES: Record<Language, { renamed: (from: string, to: string) => string; recreated: (t: string) => string }> = {
  fr: {
    renamed: (from, to) => `L'onglet « ${from} » a été renommé en « ${to} » : Wakil continue d'y écrire.`,
    recreated: (t) => `L'onglet « ${t} » a été supprimé : Wakil l'a recréé et y remet les lignes.`,
  },
  ar: {
    renamed: (from, to) => `تمت إعادة تسمية الورقة «${from}» إلى «${to}»: يواصل وكيل الكتابة فيها.`,
    recreated: (t) => `تم حذف الورقة «${t}»: أعاد وكيل إنشاءها وإضافة الأسطر.`,
  },
  en: {
    renamed: (from, to) => `The tab "${from}" was renamed to "${to}": Wakil keeps writing to it.`,
    recreated: (t) => `The tab "${t}" was deleted: Wakil created it again and is re-adding the rows.`,
  },
};

/**
 * Finds the Orders and Leads tabs by the sheetId remembered at creation (a rename keeps it), else
 * by title, else creates them with their header row. One metadata read; at most one write, which
 * adds every missing tab with its header in the same atomic batchUpdate.
 */
export async function ensureTabs(
  knex: Knex,
  client: sheets_v4.Sheets,
  conn: SheetConnection,
  lang: Language,
  beforeWrite: () => Promise<void>,
): Promise<Tabs> {
  const meta = await client.spreadsheets.get({
    spreadsheetId: conn.spreadsheet_id,
    fields: 'properties.title,sheets.properties(sheetId,title)',
  });
  const sheets = (meta.data.sheets ?? []).map((s) => ({ sheetId: s.properties?.sheetId ?? 0, title: s.properties?.title ?? '' }));
  const notices: string[] = [];
  const found: Partial<Record<Kind, Tab>> = {};
  const toCreate: Array<{ kind: Kind; tab: Tab; header: string[] }> = [];
  const resetEntities: Array<'order' | 'lead'> = [];
  const taken = new Set(sheets.map((s) => s.sheetId));

  for (const kind of ['orders', 'leads'] as const) {
    const rememberedId = kind === 'orders' ? conn.orders_sheet_id : conn.leads_sheet_id;
    const title = kind === 'orders' ? conn.orders_tab : conn.leads_tab;
    const byId = rememberedId !== null ? sheets.find((s) => s.sheetId === rememberedId) : undefined;
    if (byId) {
      if (byId.title !== title) notices.push(NOTICES[lang].renamed(title, byId.title));
      found[kind] = byId;
      continue;
    }
    const byTitle = sheets.find((s) => s.title === title);
    if (byTitle) {
      found[kind] = byTitle;
      continue;
    }
    if (rememberedId !== null) {
      notices.push(NOTICES[lang].recreated(title));
      resetEntities.push(kind === 'orders' ? 'order' : 'lead');
    }
    let sheetId: number;
    do sheetId = crypto.randomInt(1, 2 ** 31 - 1);
    while (taken.has(sheetId));
    taken.add(sheetId);
    const tab = { sheetId, title };
    toCreate.push({ kind, tab, header: kind === 'orders' ? orderHeader(lang) : leadHeader(lang) });
    found[kind] = tab;
  }

  if (toCreate.length) {
    await beforeWrite();
    await client.spreadsheets.batchUpdate({
      spreadsheetId: conn.spreadsheet_id,
      requestBody: {
        requests: toCreate.flatMap(({ tab, header }) => [
          { addSheet: { properties: { sheetId: tab.sheetId, title: tab.title, gridProperties: { frozenRowCount: 1 } } } },
          {
            updateCells: {
              start: { sheetId: tab.sheetId, rowIndex: 0, columnIndex: 0 },
              rows: [{ values: header.map((h) => ({ userEnteredValue: { stringValue: h }, userEnteredFormat: { textFormat: { bold: true } } })) }],
              fields: 'userEnteredValue,userEnteredFormat.textFormat.bold',
            },
          },
        ]),
      },
    });
  }

  const orders = found.orders!;
  const leads = found.leads!;
  await knex.transaction(async (trx) => {
    await trx('sheet_connections').where({ workspace_id: conn.workspace_id }).update({
      orders_sheet_id: orders.sheetId, orders_tab: orders.title, leads_sheet_id: leads.sheetId, leads_tab: leads.title, updated_at: trx.fn.now(),
    });
    // A recreated tab is empty: every row of it is written again.
    for (const entity of resetEntities) {
      await trx('sheet_rows')
        .where({ workspace_id: conn.workspace_id, entity })
        .update({ synced_seq: 0, row_number: null, written_status: null, rejected_value: null });
    }
    if (notices.length) {
      await trx('sheet_connections').where({ workspace_id: conn.workspace_id }).update({ notice: notices.join(' '), notice_at: trx.fn.now() });
    }
  });
  Object.assign(conn, { orders_sheet_id: orders.sheetId, orders_tab: orders.title, leads_sheet_id: leads.sheetId, leads_tab: leads.title });
  return { orders, leads, title: meta.data.properties?.title ?? '', notices };
}
