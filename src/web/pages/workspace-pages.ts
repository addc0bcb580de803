import type { Router } from 'express';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../accounts/api-keys';
import { createInvite, InviteRole, listMembers, listPendingInvites, removeMember, revokeInvite } from '../../accounts/memberships';
import type { AppContext } from '../../context';
import { notFound } from '../../errors';
import { requestWorkspaceDeletion } from '../../privacy/delete-workspace';
import { html, type Raw } from './html';
import { actionButton, csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

const uuidOr404 = (v: unknown, what: string): string => {
  const r = z.uuid().safeParse(v);
  if (!r.success) throw notFound(what);
  return r.data;
};

export function workspacePages(router: Router, ctx: AppContext): void {
  addNav({ key: 'workspace', href: '/workspace', label: 'nav.workspace', min: 'admin' });
  addNav({ key: 'api-keys', href: '/api-keys', label: 'nav.api_keys', min: 'admin' });

  const workspaceBody = async (p: MemberPage, o: { inviteLink?: string; errors?: FieldErrors | null } = {}): Promise<Raw> => {
    const { i } = p;
    const ws = await ctx.knex('workspaces').where({ id: p.workspaceId }).first('name');
    const [members, invites] = await Promise.all([listMembers(ctx.knex, p.workspaceId), listPendingInvites(ctx.knex, p.workspaceId)]);
    const roleLabel = (r: string) => i.t(`role.${r}` as 'role.owner');
    return html`<section aria-labelledby="mem-h"><h2 id="mem-h">${i.t('workspace.members')}</h2>
      <ul class="list">${members.map(
        (m) => html`<li><span>${m.name ?? m.email}<br><small class="muted">${m.email}</small></span> <span class="badge">${roleLabel(m.role)}</span>
          ${m.role !== 'owner' && m.account_id !== p.session.accountId ? actionButton(p, `/workspace/members/${m.account_id}/remove`, i.t('workspace.remove'), { danger: true, confirm: i.t('workspace.remove') }) : ''}</li>`,
      )}</ul></section>
    <section aria-labelledby="inv-h"><h2 id="inv-h">${i.t('workspace.invite_title')}</h2>
      ${o.inviteLink ? html`<div class="ok" role="status"><p>${i.t('workspace.invite_link')}</p><p><code class="secret" data-copy>${o.inviteLink}</code></p></div>` : ''}
      <form method="post" action="/workspace/invites" novalidate>${csrfField(p)}
        ${errorSummary(p, o.errors)}
        ${select({ name: 'role', label: i.t('workspace.invite_role'), options: [['agent', roleLabel('agent')], ['admin', roleLabel('admin')]], value: 'agent', errors: o.errors })}
        ${field(p, { name: 'email', label: i.t('workspace.invite_email'), type: 'email', errors: o.errors })}
        <button type="submit">${i.t('workspace.invite_create')}</button></form>
      ${
        invites.length
          ? html`<h3>${i.t('workspace.pending_invites')}</h3><ul class="list">${invites.map(
              (inv) => html`<li><span>${inv.email ?? '—'} <span class="badge">${roleLabel(inv.role)}</span><br><small class="muted">${i.t('workspace.expires')}: ${i.date(inv.expires_at)}</small></span>
                ${actionButton(p, `/workspace/invites/${inv.id}/revoke`, i.t('workspace.revoke'), { danger: true })}</li>`,
            )}</ul>`
          : ''
      }</section>
    ${
      p.role === 'owner'
        ? html`<section aria-labelledby="exp-h"><h2 id="exp-h">${i.t('workspace.export_title')}</h2>
      <p>${i.t('workspace.export_help')}</p><p><a class="button secondary" href="/api/v1/export" download>${i.t('workspace.export')}</a></p></section>
    <section aria-labelledby="del-h" class="danger-zone"><h2 id="del-h">${i.t('workspace.delete_title')}</h2>
      <p>${i.t('workspace.delete_help')}</p>
      <form method="post" action="/workspace/delete" novalidate>${csrfField(p)}
        ${field(p, { name: 'confirm_name', label: `${i.t('workspace.delete_confirm')} (${ws?.name ?? ''})`, required: true, errors: o.errors, autocomplete: 'off' })}
        <button type="submit" class="danger">${i.t('workspace.delete')}</button></form></section>`
        : ''
    }`;
  };

  page(router, ctx, 'get', '/workspace', 'admin', async (p) => {
    await send(p, { title: p.i.t('workspace.title'), active: 'workspace', body: await workspaceBody(p) });
  });

  page(router, ctx, 'post', '/workspace/invites', 'admin', async (p) => {
    const parsed = z.object({ role: InviteRole, email: z.union([z.literal(''), z.email()]) }).safeParse({ role: str(p.req.body.role), email: str(p.req.body.email).trim() });
    if (!parsed.success) {
      return send(p, { title: p.i.t('workspace.title'), active: 'workspace', status: 400, body: await workspaceBody(p, { errors: fieldErrors(parsed.error) }) });
    }
    const inv = await createInvite(ctx.knex, p.workspaceId, { role: parsed.data.role, email: parsed.data.email || null, createdBy: p.session.accountId });
    // Shown once, like an API key: only the hash is stored.
    await send(p, { title: p.i.t('workspace.title'), active: 'workspace', status: 201, body: await workspaceBody(p, { inviteLink: `${ctx.config.publicBaseUrl}/invite/${inv.token}` }) });
  });

  page(router, ctx, 'post', '/workspace/invites/:id/revoke', 'admin', async (p) => {
    await revokeInvite(ctx.knex, p.workspaceId, uuidOr404(p.req.params.id, 'Invite'));
    redirect(p, '/workspace');
  });

  page(router, ctx, 'post', '/workspace/members/:id/remove', 'admin', async (p) => {
    await removeMember(ctx.knex, p.workspaceId, uuidOr404(p.req.params.id, 'Member'), p.actor);
    redirect(p, '/workspace');
  });

  page(router, ctx, 'post', '/workspace/delete', 'owner', async (p) => {
    const ws = await ctx.knex('workspaces').where({ id: p.workspaceId }).first('name');
    if (!ws || str(p.req.body.confirm_name).trim() !== ws.name) {
      return send(p, { title: p.i.t('workspace.title'), active: 'workspace', status: 400, body: await workspaceBody(p, { errors: { confirm_name: p.i.t('workspace.delete_mismatch') } }) });
    }
    await requestWorkspaceDeletion(ctx, p.workspaceId, p.actor);
    await send(p, { title: p.i.t('workspace.title'), body: html`<p class="ok" role="status">${p.i.t('workspace.deleted')}</p><p><a href="/account">${p.i.t('nav.account')}</a></p>` });
  });

  const keysBody = async (p: MemberPage, created?: { key: string }): Promise<Raw> => {
    const { i } = p;
    const keys = await listApiKeys(ctx.knex, p.workspaceId);
    return html`<p>${i.t('keys.help')}</p>
      ${created ? html`<div class="ok" role="status"><p>${i.t('keys.created')}</p><p><code class="secret" data-copy>${created.key}</code></p></div>` : ''}
      <form method="post" action="/api-keys" novalidate>${csrfField(p)}
        ${field(p, { name: 'name', label: i.t('keys.name'), required: true, value: 'default', attrs: html`maxlength="80"` })}
        <button type="submit">${i.t('keys.create')}</button></form>
      <ul class="list">${keys.map(
        (k) => html`<li><span><strong>${k.name}</strong> <code>${k.prefix}…</code><br>
          <small class="muted">${i.t('common.created')}: ${i.date(k.created_at)}${k.last_used_at ? html` · ${i.t('keys.last_used')}: ${i.date(k.last_used_at)}` : ''}</small></span>
          ${k.revoked_at ? html`<span class="badge">${i.t('keys.revoked')}</span>` : actionButton(p, `/api-keys/${k.id}/revoke`, i.t('keys.revoke'), { danger: true, confirm: i.t('keys.revoke') })}</li>`,
      )}</ul>`;
  };

  page(router, ctx, 'get', '/api-keys', 'admin', async (p) => {
    await send(p, { title: p.i.t('keys.title'), active: 'api-keys', body: await keysBody(p) });
  });

  page(router, ctx, 'post', '/api-keys', 'admin', async (p) => {
    const name = z.string().trim().min(1).max(80).catch('default').parse(p.req.body.name);
    const key = await createApiKey(ctx.knex, p.workspaceId, { name, createdBy: p.session.accountId });
    await send(p, { title: p.i.t('keys.title'), active: 'api-keys', status: 201, body: await keysBody(p, key) });
  });

  page(router, ctx, 'post', '/api-keys/:id/revoke', 'admin', async (p) => {
    if (!(await revokeApiKey(ctx.knex, p.workspaceId, uuidOr404(p.req.params.id, 'API key')))) throw notFound('API key');
    redirect(p, '/api-keys');
  });
}
