import crypto from 'node:crypto';
import type { Router } from 'express';
import { z } from 'zod';
import { listConversations, listMessages, setAiPaused } from '../../conversations/inbox';
import { sendText } from '../../conversations/outbound';
import type { AppContext } from '../../context';
import { notFound } from '../../errors';
import { loadSession } from '../session';
import { html } from './html';
import { actionButton, csrfField, page, redirect, send, str, type MemberPage } from './kit';
import { addNav } from './nav';

const convId = (v: unknown) => {
  const r = z.uuid().safeParse(v);
  if (!r.success) throw notFound('Conversation');
  return r.data;
};

function windowLeft(p: MemberPage, seconds: number) {
  if (seconds <= 0) return html`<span class="badge bad">${p.i.t('inbox.window_closed')}</span>`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return html`<span class="badge">${p.i.t('inbox.window_left', { h: p.i.number(h), m: p.i.number(m) })}</span>`;
}

export function inboxPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'inbox', href: '/inbox', label: 'nav.inbox', min: 'agent' });

  page(router, ctx, 'get', '/inbox', 'agent', async (p) => {
    const { i } = p;
    const convs = (await listConversations(ctx, p.workspaceId, { limit: 100 })).filter((c) => c.channel.kind !== 'playground');
    await send(p, {
      title: i.t('nav.inbox'),
      active: 'inbox',
      body: html`<div data-live="/events">${
        convs.length
          ? html`<ul class="list">${convs.map(
              (c) => html`<li data-conversation="${c.id}"><span><a href="/inbox/${c.id}"><strong>${c.customer.display}</strong></a> <span class="badge">${c.channel.kind}</span><br>
              <small class="muted">${i.date(c.updated_at)}</small></span>
              <span>${c.needs_human ? html`<span class="badge warn" title="${c.handoff_reason ?? ''}">${i.t('inbox.needs_human')}</span> ` : ''}${c.paused ? html`<span class="badge warn">${i.t('inbox.paused')}</span>` : html`<span class="badge ok">${i.t('inbox.ai_on')}</span>`} ${windowLeft(p, c.window_remaining_seconds)}</span></li>`,
            )}</ul>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }</div>`,
    });
  });

  page(router, ctx, 'get', '/inbox/:id', 'agent', async (p) => {
    const { i } = p;
    const id = convId(p.req.params.id);
    const messages = await listMessages(ctx, p.workspaceId, id, { limit: 200 });
    const conv = (await listConversations(ctx, p.workspaceId, { limit: 500 })).find((c) => c.id === id);
    if (!conv) throw notFound('Conversation');
    const authorLabel = (a: string) => i.t(`inbox.author_${a}` as 'inbox.author_ai');
    await send(p, {
      title: conv.customer.display,
      active: 'inbox',
      body: html`<p><a href="/inbox" data-back>${i.backArrow} ${i.t('nav.inbox')}</a></p>
      <div data-live="/events?conversation=${id}">
      <p>${conv.needs_human ? html`<span class="badge warn">${i.t('inbox.needs_human')}: ${conv.handoff_reason ?? ''}</span> ` : ''}
        ${conv.paused ? html`<span class="badge warn" id="ai-state">${i.t('inbox.paused')}</span>` : html`<span class="badge ok" id="ai-state">${i.t('inbox.ai_on')}</span>`}
        ${windowLeft(p, conv.window_remaining_seconds)}</p>
      <p>${conv.ai_paused ? actionButton(p, `/inbox/${id}/resume`, i.t('inbox.resume')) : actionButton(p, `/inbox/${id}/pause`, i.t('inbox.pause'))}</p>
      <div class="chat" aria-label="${i.t('inbox.transcript')}">${messages.map(
        (m: { direction: string; author: string; text: string | null; kind: string; status: string; error_message: string | null; created_at: Date }) =>
          html`<div class="msg ${m.direction === 'in' ? 'in' : 'out'}">${m.text ?? `[${m.kind}]`}<small>${authorLabel(m.author)} · ${i.date(m.created_at)}${m.status === 'failed' ? html` · <span class="error">${m.error_message ?? m.status}</span>` : ''}</small></div>`,
      )}</div></div>
      <form method="post" action="/inbox/${id}/reply" class="reply">${csrfField(p)}
        <div class="field"><label for="reply-text">${i.t('inbox.reply_label')}</label><textarea id="reply-text" name="text" rows="3" required maxlength="4000"></textarea>
        <p class="hint">${i.t('inbox.reply_hint')}</p></div>
        <input type="hidden" name="key" value="${crypto.randomUUID()}">
        <button type="submit">${i.t('inbox.send')}</button></form>`,
    });
  });

  page(router, ctx, 'post', '/inbox/:id/pause', 'agent', async (p) => {
    await setAiPaused(ctx, p.workspaceId, convId(p.req.params.id), true);
    redirect(p, `/inbox/${p.req.params.id}`);
  });

  page(router, ctx, 'post', '/inbox/:id/resume', 'agent', async (p) => {
    await setAiPaused(ctx, p.workspaceId, convId(p.req.params.id), false);
    redirect(p, `/inbox/${p.req.params.id}`);
  });

  page(router, ctx, 'post', '/inbox/:id/reply', 'agent', async (p) => {
    const id = convId(p.req.params.id);
    const text = z.string().trim().min(1).max(4000).parse(str(p.req.body.text));
    const key = str(p.req.body.key);
    // The form's one-time key makes a double submit (or a browser retry) send once.
    await sendText(ctx, { workspaceId: p.workspaceId, conversationId: id, text, author: 'human', idempotencyKey: `page:${/^[\w-]{1,64}$/.test(key) ? key : crypto.randomUUID()}` });
    redirect(p, `/inbox/${id}`);
  });

  // Server-sent events: a tick whenever the workspace's inbox changes, so open pages refresh.
  router.get('/events', loadSession(ctx), async (req, res) => {
    const s = req.session;
    if (!s?.workspaceId || !s.role) {
      res.status(401).end();
      return;
    }
    const workspaceId = s.workspaceId;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 5000\n\n');
    let last = '';
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const row = await ctx.knex('conversations').where({ workspace_id: workspaceId }).max({ u: 'updated_at' }).first();
        const msg = await ctx.knex('messages').where({ workspace_id: workspaceId }).max({ c: 'created_at' }).first();
        const stamp = `${row?.u ? new Date(row.u).toISOString() : ''}|${msg?.c ? new Date(msg.c).toISOString() : ''}`;
        if (last && stamp !== last) res.write(`data: ${JSON.stringify({ type: 'inbox' })}\n\n`);
        else res.write(': ping\n\n');
        last = stamp;
      } catch {
        // The next tick retries; a closing database ends the stream below.
      }
    };
    await tick();
    const timer = setInterval(() => void tick(), 3000);
    req.on('close', () => {
      stopped = true;
      clearInterval(timer);
    });
  });
}
