import type { Router } from 'express';
import { z } from 'zod';
import { connectChannel, ConnectChannelInput, disconnectChannel, listChannels, testChannel } from '../../conversations/channel-accounts';
import type { AppContext } from '../../context';
import { notFound } from '../../errors';
import { html } from './html';
import { actionButton, csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

const KINDS = ['whatsapp', 'messenger', 'instagram'] as const;
const KIND_LABEL: Record<string, string> = { whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram' };

export function channelsPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'channels', href: '/channels', label: 'nav.channels', min: 'admin' });

  const body = async (p: MemberPage, o: { errors?: FieldErrors | null; values?: Record<string, string>; notice?: { ok: boolean; text: string } } = {}) => {
    const { i } = p;
    const channels = (await listChannels(ctx, p.workspaceId)).filter((c: { kind: string }) => (KINDS as readonly string[]).includes(c.kind));
    const v = o.values ?? {};
    const health = (s: string) => html`<span class="badge ${s === 'active' ? 'ok' : s === 'error' ? 'bad' : ''}">${i.t(`channels.status_${s}` as 'channels.status_active')}</span>`;
    return html`
    ${o.notice ? html`<p class="${o.notice.ok ? 'ok' : 'alert'}" role="status">${o.notice.text}</p>` : ''}
    <section aria-labelledby="wh-h"><h2 id="wh-h">${i.t('channels.webhook_title')}</h2>
      <p>${i.t('channels.webhook_help')}</p>
      <dl><dt>${i.t('channels.webhook_url')}</dt><dd><code class="secret" data-copy id="webhook-url">${ctx.config.publicBaseUrl}/webhooks/meta</code></dd>
      <dt>${i.t('channels.verify_token')}</dt><dd>${ctx.config.meta.verifyToken ? html`<code class="secret" data-copy>${ctx.config.meta.verifyToken}</code>` : html`<span class="alert">${i.t('channels.verify_token_missing')}</span>`}</dd></dl>
    </section>
    <section aria-labelledby="list-h"><h2 id="list-h">${i.t('channels.connected')}</h2>
      ${
        channels.length
          ? html`<ul class="list">${channels.map(
              (c: { id: string; kind: string; external_id: string; waba_id: string | null; display_name: string | null; status: string; status_detail: string | null; last_inbound_at: Date | null }) =>
                html`<li data-channel="${c.kind}"><span><strong>${KIND_LABEL[c.kind]}</strong> ${c.display_name ?? ''} <code>${c.external_id}</code> ${health(c.status)}<br>
                <small class="muted">${i.t('channels.last_inbound')}: ${c.last_inbound_at ? i.date(c.last_inbound_at) : i.t('channels.never')}</small>
                ${c.waba_id ? html`<br><small class="muted">${i.t('channels.waba_label')}: <code>${c.waba_id}</code></small>` : ''}
                ${c.kind === 'whatsapp' && !c.waba_id && c.status !== 'disconnected' ? html`<br><small class="muted" data-waba-missing>${i.t('channels.waba_missing')}</small>` : ''}
                ${c.status_detail ? html`<br><small class="error">${c.status_detail}</small>` : ''}</span>
                <span>${c.status !== 'disconnected' ? html`${actionButton(p, `/channels/${c.id}/test`, i.t('channels.test'))} ${actionButton(p, `/channels/${c.id}/disconnect`, i.t('channels.disconnect'), { danger: true, confirm: i.t('channels.disconnect') })}` : ''}</span></li>`,
            )}</ul>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }</section>
    <section aria-labelledby="add-h"><h2 id="add-h">${i.t('channels.connect_title')}</h2>
      <form method="post" action="/channels" novalidate>${csrfField(p)}
        ${errorSummary(p, o.errors)}
        ${select({ name: 'kind', label: i.t('channels.kind'), options: KINDS.map((k) => [k, KIND_LABEL[k]!] as [string, string]), value: v.kind ?? 'whatsapp', errors: o.errors })}
        ${field(p, { name: 'external_id', label: i.t('channels.external_id'), hint: i.t('channels.external_id_hint'), value: v.external_id, required: true, errors: o.errors, attrs: html`inputmode="numeric"` })}
        ${field(p, { name: 'display_name', label: i.t('channels.display_name'), value: v.display_name, errors: o.errors })}
        ${field(p, { name: 'waba_id', label: i.t('channels.waba_id'), hint: i.t('channels.waba_id_hint'), value: v.waba_id, errors: o.errors, attrs: html`inputmode="numeric"` })}
        ${field(p, { name: 'access_token', label: i.t('channels.access_token'), type: 'password', hint: i.t('channels.access_token_hint'), required: true, errors: o.errors, autocomplete: 'off' })}
        <button type="submit">${i.t('channels.connect')}</button></form></section>`;
  };

  page(router, ctx, 'get', '/channels', 'admin', async (p) => {
    await send(p, { title: p.i.t('nav.channels'), active: 'channels', body: await body(p) });
  });

  page(router, ctx, 'post', '/channels', 'admin', async (p) => {
    const values = { kind: str(p.req.body.kind), external_id: str(p.req.body.external_id).trim(), display_name: str(p.req.body.display_name).trim(), waba_id: str(p.req.body.waba_id).trim() };
    try {
      // An empty WABA field keeps the stored one on a reconnect.
      const input = ConnectChannelInput.parse({ ...values, display_name: values.display_name || undefined, waba_id: values.waba_id || undefined, access_token: str(p.req.body.access_token) });
      await connectChannel(ctx, p.workspaceId, input);
      return redirect(p, '/channels');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('nav.channels'), active: 'channels', status: 400, body: await body(p, { errors, values }) });
    }
  });

  const idOf = (v: unknown) => {
    const r = z.uuid().safeParse(v);
    if (!r.success) throw notFound('Channel');
    return r.data;
  };

  page(router, ctx, 'post', '/channels/:id/test', 'admin', async (p) => {
    const r = (await testChannel(ctx, p.workspaceId, idOf(p.req.params.id))) as { ok?: boolean; detail?: string | null; status?: string };
    const ok = r.ok ?? r.status === 'active';
    await send(p, { title: p.i.t('nav.channels'), active: 'channels', body: await body(p, { notice: { ok, text: ok ? p.i.t('channels.test_ok') : `${p.i.t('channels.test_failed')} ${r.detail ?? ''}` } }) });
  });

  page(router, ctx, 'post', '/channels/:id/disconnect', 'admin', async (p) => {
    await disconnectChannel(ctx, p.workspaceId, idOf(p.req.params.id));
    redirect(p, '/channels');
  });
}
