import type { Router } from 'express';
import { z } from 'zod';
import { changePassword, Email, logIn, Password, setLocale } from '../../accounts/accounts';
import { acceptInvite, createInvitedAccount, peekInvite, workspacesOf } from '../../accounts/memberships';
import { hashPassword } from '../../accounts/passwords';
import { createSession, destroyOtherSessions, destroySession, switchWorkspace } from '../../accounts/sessions';
import type { AppContext } from '../../context';
import { AppError, notFound } from '../../errors';
import { createWorkspaceForAccount, signUpWorkspace } from '../../workspaces/create-workspace';
import { asLocale } from '../i18n';
import { clearSessionCookie, setSessionCookie } from '../session';
import { html } from './html';
import { csrfField, errorSummary, field, fieldErrors, page, redirect, safeNext, select, send, str, type FieldErrors, type Page } from './kit';
import { addNav } from './nav';

const LANGS: Array<[string, string]> = [
  ['fr', 'Français'],
  ['ar', 'العربية'],
  ['en', 'English'],
];

async function startSession(p: Page, accountId: string, workspaceId: string | null): Promise<void> {
  const s = await createSession(p.ctx.knex, accountId, workspaceId);
  setSessionCookie(p.ctx, p.res, s.cookie, s.expiresAt);
}

function loginForm(p: Page, v: { email?: string; next?: string; errors?: FieldErrors | null }) {
  const { i } = p;
  return html`<form method="post" action="/login" novalidate>
    ${csrfField(p)}<input type="hidden" name="next" value="${v.next ?? '/'}">
    ${errorSummary(p, v.errors)}
    ${field(p, { name: 'email', label: i.t('auth.email'), type: 'email', value: v.email, required: true, autocomplete: 'username', errors: v.errors })}
    ${field(p, { name: 'password', label: i.t('auth.password'), type: 'password', required: true, autocomplete: 'current-password', errors: v.errors })}
    <button type="submit">${i.t('auth.login')}</button>
  </form>`;
}

function signupForm(p: Page, v: { values?: Record<string, string>; errors?: FieldErrors | null }) {
  const { i } = p;
  const val = v.values ?? {};
  return html`<form method="post" action="/signup" novalidate>
    ${csrfField(p)}
    ${errorSummary(p, v.errors)}
    ${field(p, { name: 'shop_name', label: i.t('auth.shop_name'), value: val.shop_name, required: true, autocomplete: 'organization', errors: v.errors })}
    ${
      p.session
        ? ''
        : html`${field(p, { name: 'name', label: i.t('auth.your_name'), value: val.name, autocomplete: 'name', errors: v.errors })}
    ${field(p, { name: 'email', label: i.t('auth.email'), type: 'email', value: val.email, required: true, autocomplete: 'email', errors: v.errors })}
    ${field(p, { name: 'password', label: i.t('auth.password'), type: 'password', required: true, autocomplete: 'new-password', hint: i.t('auth.password_hint'), errors: v.errors, attrs: html`minlength="10"` })}`
    }
    ${select({ name: 'locale', label: i.t('auth.language'), options: LANGS, value: val.locale ?? i.locale })}
    <button type="submit">${i.t('auth.signup')}</button>
  </form>`;
}

const SignupForm = z.object({
  shop_name: z.string().trim().min(1, 'required').max(120),
  name: z.string().trim().max(120).optional(),
  email: Email,
  password: Password,
  locale: z.enum(['fr', 'ar', 'en']).default('fr'),
});

export function authPages(router: Router, ctx: AppContext): void {
  addNav({ key: 'account', href: '/account', label: 'nav.account', min: 'agent' });

  page<Page>(router, ctx, 'get', '/login', 'public', async (p) => {
    if (p.session) return redirect(p, safeNext(p.req.query.next));
    await send(p, {
      title: p.i.t('auth.login_title'),
      bare: true,
      body: html`${loginForm(p, { next: safeNext(p.req.query.next) })}<p>${p.i.t('auth.no_account')} <a href="/signup">${p.i.t('auth.signup')}</a></p>`,
    });
  });

  page<Page>(router, ctx, 'post', '/login', 'public', async (p) => {
    const email = str(p.req.body.email).trim();
    const next = safeNext(p.req.body.next);
    try {
      const { accountId } = await logIn(ctx.knex, { email, password: str(p.req.body.password), ip: p.req.ip ?? '' });
      await startSession(p, accountId, null);
      return redirect(p, next);
    } catch (err) {
      if (!(err instanceof AppError) || (err.type !== 'unauthorized' && err.type !== 'rate_limited')) throw err;
      const limited = err.type === 'rate_limited';
      const wait = (err.details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds ?? 60;
      if (limited) p.res.setHeader('retry-after', String(wait));
      const message = limited ? p.i.t('auth.rate_limited', { minutes: Math.ceil(wait / 60) }) : p.i.t('auth.bad_credentials');
      await send(p, {
        title: p.i.t('auth.login_title'),
        bare: true,
        status: limited ? 429 : 401,
        body: loginForm(p, { email, next, errors: { _: message } }),
      });
    }
  });

  page<Page>(router, ctx, 'get', '/signup', 'public', async (p) => {
    await send(p, {
      title: p.i.t('auth.signup_title'),
      bare: !p.session,
      body: html`${signupForm(p, {})}${p.session ? '' : html`<p>${p.i.t('auth.have_account')} <a href="/login">${p.i.t('auth.login')}</a></p>`}`,
    });
  });

  page<Page>(router, ctx, 'post', '/signup', 'public', async (p) => {
    const values = Object.fromEntries(['shop_name', 'name', 'email', 'locale'].map((k) => [k, str(p.req.body[k])]));
    const schema = p.session ? SignupForm.pick({ shop_name: true, locale: true }) : SignupForm;
    const form = schema.safeParse({ ...values, name: values.name || undefined, password: str(p.req.body.password) });
    let errors: FieldErrors | null = form.success ? null : fieldErrors(form.error);
    if (form.success) {
      const d = form.data as z.output<typeof SignupForm>;
      try {
        if (p.session) {
          // A logged-in member creating another shop: same account, new workspace.
          const ws = await createWorkspaceForAccount(ctx.knex, p.session.accountId, d.shop_name, d.locale);
          await switchWorkspace(ctx.knex, p.session, ws);
          return redirect(p, '/');
        }
        const created = await signUpWorkspace(ctx.knex, { name: d.shop_name, ownerEmail: d.email, ownerName: d.name, ownerPassword: d.password, language: d.locale });
        await startSession(p, created.account_id, created.workspace_id);
        return redirect(p, '/');
      } catch (err) {
        if (err instanceof AppError && err.type === 'conflict') errors = { email: p.i.t('auth.email_taken'), _: p.i.t('auth.email_taken') };
        else throw err;
      }
    }
    await send(p, { title: p.i.t('auth.signup_title'), bare: !p.session, status: 400, body: signupForm(p, { values, errors }) });
  });

  page<Page>(router, ctx, 'post', '/logout', 'public', async (p) => {
    if (p.session) await destroySession(ctx.knex, p.session.id);
    clearSessionCookie(ctx, p.res);
    redirect(p, '/login');
  });

  page(router, ctx, 'post', '/switch-workspace', 'account', async (p) => {
    const id = z.uuid().safeParse(p.req.body.workspace_id);
    // Not a member (or not an id): the same answer as a workspace that does not exist.
    if (!id.success || !(await switchWorkspace(ctx.knex, p.session, id.data))) throw notFound('Workspace');
    redirect(p, '/');
  });

  page(router, ctx, 'post', '/locale', 'account', async (p) => {
    await setLocale(ctx.knex, p.session.accountId, asLocale(p.req.body.locale));
    redirect(p, safeNext(p.req.body.next ?? '/account'));
  });

  const accountBody = (p: Page & { session: NonNullable<Page['session']> }, o: { errors?: FieldErrors | null; ok?: boolean; workspaces: Array<{ id: string; name: string; role: string }> }) => {
    const { i } = p;
    return html`<section aria-labelledby="lang-h"><h2 id="lang-h">${i.t('account.language_title')}</h2>
      <form method="post" action="/locale">${csrfField(p)}<input type="hidden" name="next" value="/account">
        ${select({ name: 'locale', label: i.t('auth.language'), options: LANGS, value: i.locale })}
        <button type="submit">${i.t('common.save')}</button></form></section>
    <section aria-labelledby="pw-h"><h2 id="pw-h">${i.t('account.password_title')}</h2>
      ${o.ok ? html`<p class="ok" role="status">${i.t('account.password_changed')}</p>` : ''}
      <form method="post" action="/account/password" novalidate>${csrfField(p)}
        ${errorSummary(p, o.errors)}
        ${field(p, { name: 'current_password', label: i.t('account.current_password'), type: 'password', required: true, autocomplete: 'current-password', errors: o.errors })}
        ${field(p, { name: 'new_password', label: i.t('account.new_password'), type: 'password', required: true, autocomplete: 'new-password', hint: i.t('auth.password_hint'), errors: o.errors, attrs: html`minlength="10"` })}
        <button type="submit">${i.t('common.save')}</button></form></section>
    <section aria-labelledby="ws-h"><h2 id="ws-h">${i.t('account.workspaces_title')}</h2>
      <ul class="list">${o.workspaces.map((w) => html`<li>${w.name} <span class="badge">${i.t(`role.${w.role}` as 'role.owner')}</span></li>`)}</ul>
      <p><a href="/signup">${i.t('account.new_shop')}</a></p></section>`;
  };

  page(router, ctx, 'get', '/account', 'account', async (p) => {
    const workspaces = await workspacesOf(ctx.knex, p.session.accountId);
    await send(p, { title: p.i.t('account.title'), active: 'account', body: accountBody(p, { workspaces, ok: p.req.query.changed === '1' }) });
  });

  page(router, ctx, 'post', '/account/password', 'account', async (p) => {
    try {
      await changePassword(ctx.knex, p.session.accountId, { current: str(p.req.body.current_password), next: str(p.req.body.new_password) });
      await destroyOtherSessions(ctx.knex, p.session.accountId, p.session.id);
      return redirect(p, '/account?changed=1');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      const workspaces = await workspacesOf(ctx.knex, p.session.accountId);
      await send(p, { title: p.i.t('account.title'), active: 'account', status: 400, body: accountBody(p, { workspaces, errors }) });
    }
  });

  // Invite links: anyone holding the link may join with the invite's role (single use, 7 days).
  const inviteBody = (p: Page, token: string, inv: { workspaceName: string; role: string; email: string | null }, errors?: FieldErrors | null, values: Record<string, string> = {}) => {
    const { i } = p;
    const intro = html`<p>${i.t('invite.intro', { workspace: inv.workspaceName, role: i.t(`role.${inv.role}` as 'role.admin') })}</p>`;
    if (p.session) {
      return html`${intro}${errorSummary(p, errors)}<form method="post" action="/invite/${token}">${csrfField(p)}<button type="submit">${i.t('invite.accept')}</button></form>`;
    }
    return html`${intro}<p>${i.t('invite.login_first')}</p>
      <p><a href="/login?next=${encodeURIComponent(`/invite/${token}`)}">${i.t('auth.login')}</a></p>
      <form method="post" action="/invite/${token}" novalidate>${csrfField(p)}
        ${errorSummary(p, errors)}
        ${field(p, { name: 'name', label: i.t('auth.your_name'), value: values.name, autocomplete: 'name', errors })}
        ${field(p, { name: 'email', label: i.t('auth.email'), type: 'email', value: values.email ?? inv.email ?? '', required: true, autocomplete: 'email', errors })}
        ${field(p, { name: 'password', label: i.t('auth.password'), type: 'password', required: true, autocomplete: 'new-password', hint: i.t('auth.password_hint'), errors, attrs: html`minlength="10"` })}
        <button type="submit">${i.t('auth.signup')}</button></form>`;
  };

  page<Page>(router, ctx, 'get', '/invite/:token', 'public', async (p) => {
    const token = String(p.req.params.token);
    const inv = await peekInvite(ctx.knex, token);
    if (!inv) return send(p, { title: p.i.t('error.title'), status: 404, bare: !p.session, body: html`<p class="alert" role="alert">${p.i.t('invite.invalid')}</p>` });
    await send(p, { title: p.i.t('invite.title', { workspace: inv.workspaceName }), bare: !p.session, body: inviteBody(p, token, inv) });
  });

  page<Page>(router, ctx, 'post', '/invite/:token', 'public', async (p) => {
    const token = String(p.req.params.token);
    const inv = await peekInvite(ctx.knex, token);
    if (!inv) return send(p, { title: p.i.t('error.title'), status: 404, bare: !p.session, body: html`<p class="alert" role="alert">${p.i.t('invite.invalid')}</p>` });
    const title = p.i.t('invite.title', { workspace: inv.workspaceName });
    const values = { name: str(p.req.body.name), email: str(p.req.body.email) };
    try {
      if (p.session) {
        const { workspaceId } = await acceptInvite(ctx.knex, token, p.session.accountId);
        await switchWorkspace(ctx.knex, p.session, workspaceId);
        return redirect(p, '/');
      }
      const form = z.object({ email: Email, password: Password, name: z.string().trim().max(120) }).parse({ ...values, password: str(p.req.body.password) });
      // The account and the membership are made together: a used or expired link leaves no account behind.
      const accountId = await ctx.knex.transaction(async (trx) => {
        const id = await createInvitedAccount(trx, { email: form.email, name: form.name, passwordHash: await hashPassword(form.password), locale: p.i.locale });
        await acceptInvite(trx, token, id);
        return id;
      });
      await startSession(p, accountId, null);
      return redirect(p, '/');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      if (err instanceof AppError && err.type === 'conflict' && p.session) errors._ = p.i.t('invite.already_member');
      await send(p, { title, status: 400, bare: !p.session, body: inviteBody(p, token, inv, errors, values) });
    }
  });
}
