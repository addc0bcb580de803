import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ZodError } from 'zod';
import { workspacesOf } from '../../accounts/memberships';
import type { SessionView } from '../../accounts/sessions';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { i18n, type I18n } from '../i18n';
import { loadSession, verifyCsrf } from '../session';
import type { Role } from '../types';
import { html, raw, type Raw } from './html';
import { layout } from './layout';

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

export interface Page {
  ctx: AppContext;
  req: Request;
  res: Response;
  i: I18n;
  csrf: string;
  session: SessionView | null;
}

/** A page behind login, in the session's current workspace, with the member's role there. */
export interface MemberPage extends Page {
  session: SessionView;
  workspaceId: string;
  role: Role;
  actor: string;
}

export type Access = 'public' | 'account' | Role;

export type FieldErrors = Record<string, string>;


export const formBody = express.urlencoded({ extended: false, limit: '1mb' });

/**
 * Registers a page route. Pages share the API's services; this wrapper only adds what a browser
 * needs: the session, CSRF on every unsafe method, role checks, and errors rendered as HTML.
 */
export function page<P extends Page = MemberPage>(
  router: Router,
  ctx: AppContext,
  method: 'get' | 'post',
  path: string,
  access: Access,
  handler: (p: P) => Promise<void>,
  extra: Array<(req: Request, res: Response, next: NextFunction) => void> = [],
): void {
  router[method](path, loadSession(ctx), ...(method === 'post' ? [formBody] : []), ...extra, async (req: Request, res: Response) => {
    const session = req.session ?? null;
    const i = i18n(session?.locale ?? negotiate(req));
    const base: Page = { ctx, req, res, i, csrf: req.csrfToken ?? '', session };
    res.setHeader('cache-control', 'no-store');
    try {
      verifyCsrf(req);
      if (access === 'public') return await handler(base as P);
      if (!session) {
        if (method === 'get') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return errorPage(base, 401, i.t('auth.login_title'));
      }
      if (access === 'account') return await handler({ ...base, session } as P);
      if (!session.workspaceId || !session.role) return errorPage(base, 403, i.t('auth.no_workspace'));
      if (RANK[session.role] < RANK[access]) return errorPage(base, 403, i.t('error.forbidden'));
      const member: MemberPage = { ...base, session, workspaceId: session.workspaceId, role: session.role, actor: `account:${session.accountId}` };
      await handler(member as unknown as P);
    } catch (err) {
      if (err instanceof AppError) {
        if (err.status >= 500) ctx.logger.error({ err, requestId: req.requestId }, 'page failed');
        const message = err.status === 403 && err.message.startsWith('The form expired') ? i.t('auth.csrf') : err.message;
        return errorPage(base, err.status, err.status === 404 ? i.t('error.not_found') : message);
      }
      if (err instanceof ZodError) return errorPage(base, 400, err.issues.map((x) => x.message).join('; '));
      ctx.logger.error({ err, requestId: req.requestId }, 'page failed');
      return errorPage(base, 500, i.t('error.generic'));
    }
  });
}

/** The language for visitors without an account: Accept-Language, French by default. */
function negotiate(req: Request): string {
  const q = new URL(req.originalUrl, 'http://x').searchParams.get('lang');
  if (q) return q;
  const al = (req.get('accept-language') ?? '').toLowerCase();
  for (const part of al.split(',')) {
    const tag = part.trim().slice(0, 2);
    if (tag === 'fr' || tag === 'ar' || tag === 'en') return tag;
  }
  return 'fr';
}

export async function send(p: Page, opts: { title: string; body: Raw; active?: string; status?: number; bare?: boolean }): Promise<void> {
  const workspaces = p.session && !opts.bare ? await workspacesOf(p.ctx.knex, p.session.accountId) : [];
  p.res.status(opts.status ?? 200).type('html').send(layout(p, { ...opts, workspaces }).value);
}

export async function errorPage(p: Page, status: number, message: string): Promise<void> {
  await send(p, { title: p.i.t('error.title'), status, bare: !p.session, body: html`<p class="alert" role="alert">${message}</p><p><a href="/">${p.i.t('nav.dashboard')}</a></p>` });
}

export function redirect(p: Page, to: string): void {
  p.res.redirect(303, to);
}

/** Where a login form may send the user afterwards: a local path only (no open redirect). */
export function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(v) ? v : '/';
}

export const csrfField = (p: Page) => html`<input type="hidden" name="_csrf" value="${p.csrf}">`;

/** Field-level messages from a zod error or an AppError's `details: [{ path, message }]`. */
export function fieldErrors(err: unknown): FieldErrors | null {
  if (err instanceof ZodError) {
    const out: FieldErrors = {};
    for (const i of err.issues) out[i.path.join('.') || '_'] ??= i.message;
    return out;
  }
  if (err instanceof AppError && (err.type === 'invalid_input' || err.type === 'conflict')) {
    const out: FieldErrors = {};
    // Services report field issues as details `[{ path | field, message }]` or `{ issues: [...] }`.
    const list = Array.isArray(err.details) ? err.details : (err.details as { issues?: unknown } | undefined)?.issues;
    if (Array.isArray(list)) {
      for (const d of list as Array<{ path?: string; field?: string; message?: string }>) {
        const name = d.path ?? d.field;
        if (name) out[name] ??= d.message ?? err.message;
      }
    }
    out._ ??= err.message;
    return out;
  }
  return null;
}

export function errorSummary(p: Page, errors: FieldErrors | null | undefined): Raw {
  if (!errors || !Object.keys(errors).length) return html``;
  return html`<div class="alert" role="alert" tabindex="-1" data-autofocus>
    <p>${errors._ ?? p.i.t('common.error_summary')}</p>
  </div>`;
}

export interface FieldOpts {
  name: string;
  label: string;
  type?: string;
  value?: unknown;
  errors?: FieldErrors | null;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  attrs?: Raw;
  /** Renders a <textarea> instead of an <input>. */
  rows?: number;
}

/** A labelled input with its hint and error right below it, wired with aria-describedby. */
export function field(p: Page, o: FieldOpts): Raw {
  const id = `f-${o.name.replace(/[^\w-]/g, '-')}`;
  const err = o.errors?.[o.name];
  const describedBy = [o.hint ? `${id}-hint` : '', err ? `${id}-err` : ''].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${o.name}" ${o.required ? raw('required') : ''} ${err ? raw('aria-invalid="true"') : ''} ${describedBy ? html`aria-describedby="${describedBy}"` : ''} ${o.autocomplete ? html`autocomplete="${o.autocomplete}"` : ''} ${o.attrs ?? ''}`;
  const control =
    o.rows !== undefined
      ? html`<textarea ${common} rows="${o.rows}">${o.value ?? ''}</textarea>`
      : html`<input type="${o.type ?? 'text'}" ${common} value="${o.value ?? ''}">`;
  return html`<div class="field${err ? ' has-error' : ''}">
    <label for="${id}">${o.label}${o.required ? '' : html` <span class="muted">(${p.i.t('common.optional')})</span>`}</label>
    ${control}
    ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
    ${err ? html`<p class="error" id="${id}-err">${err}</p>` : ''}
  </div>`;
}

export function select(o: { name: string; label: string; options: Array<[string, string]>; value?: string; errors?: FieldErrors | null; attrs?: Raw }): Raw {
  const id = `f-${o.name.replace(/[^\w-]/g, '-')}`;
  const err = o.errors?.[o.name];
  return html`<div class="field${err ? ' has-error' : ''}">
    <label for="${id}">${o.label}</label>
    <select id="${id}" name="${o.name}" ${err ? html`aria-invalid="true" aria-describedby="${id}-err"` : ''} ${o.attrs ?? ''}>
      ${o.options.map(([v, l]) => html`<option value="${v}" ${v === o.value ? raw('selected') : ''}>${l}</option>`)}
    </select>
    ${err ? html`<p class="error" id="${id}-err">${err}</p>` : ''}
  </div>`;
}

export function checkbox(o: { name: string; label: string; checked: boolean }): Raw {
  const id = `f-${o.name}`;
  return html`<div class="field check"><input type="checkbox" id="${id}" name="${o.name}" value="on" ${o.checked ? raw('checked') : ''}><label for="${id}">${o.label}</label></div>`;
}

/** A one-button form for an action (revoke, pause, status change). */
export function actionButton(p: Page, action: string, label: string, opts: { hidden?: Record<string, string>; danger?: boolean; confirm?: string } = {}): Raw {
  return html`<form method="post" action="${action}" class="inline" ${opts.confirm ? html`data-confirm="${opts.confirm}"` : ''}>
    ${csrfField(p)}${Object.entries(opts.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <button type="submit" class="${opts.danger ? 'danger' : 'secondary'}">${label}</button>
  </form>`;
}

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A whole number typed in a form ("3 500" → 3500), null when left empty. Anything else is passed
 * on as typed, so the zod schema behind the form reports it next to the field.
 */
export const formInt = (v: unknown): number | null => {
  const s = str(v).trim().replace(/\s/g, '');
  return s === '' ? null : /^-?\d+$/.test(s) ? Number(s) : (s as unknown as number);
};
