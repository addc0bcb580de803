import { conflict } from '../errors';

/**
 * The lead statuses: the words the Google Sheet mirror already writes for leads
 * (src/sheets/layout.ts LEAD_STATUS_LABELS: Nouveau/Contacté/Converti/Perdu), so the sheet, the API and the
 * pages speak one vocabulary. The agent only ever creates `new` leads; the rest is the merchant's.
 */
export const LEAD_STATUSES = ['new', 'contacted', 'converted', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
/** Leads still being worked: the agent refines one of these rather than opening a second lead. */
export const OPEN_LEAD_STATUSES: readonly LeadStatus[] = ['new', 'contacted'];
/** Where a lead can be moved to: never back to `new` (see NEXT). */
export type WorkedLeadStatus = Exclude<LeadStatus, 'new'>;

/**
 * The one table of allowed lead transitions. A lead marked lost can be worked again (the customer
 * called back), which is why `lost` is not final; `converted` is: the sale now lives in an order.
 * Nothing goes back to `new`, which only means "nobody has looked at it yet".
 */
const NEXT: Record<LeadStatus, readonly WorkedLeadStatus[]> = {
  new: ['contacted', 'converted', 'lost'],
  contacted: ['converted', 'lost'],
  converted: [],
  lost: ['contacted'],
};

export function nextLeadStatuses(from: LeadStatus): readonly WorkedLeadStatus[] {
  return NEXT[from] ?? []; // a row holding a status outside the table can only stay as it is
}

export function canTransitionLead(from: LeadStatus, to: LeadStatus): boolean {
  return (nextLeadStatuses(from) as readonly LeadStatus[]).includes(to);
}

export function assertLeadTransition(from: LeadStatus, to: LeadStatus): void {
  if (!canTransitionLead(from, to)) {
    const allowed = nextLeadStatuses(from);
    throw conflict(
      `A lead that is ${from} cannot become ${to}` + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it is final)'),
      { from, to, allowed },
    );
  }
}
