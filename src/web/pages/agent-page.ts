import type { Router } from 'express';
import { AgentSettingsPut, AgentSettingsSchema, getAgentSettings, putAgentSettings } from '../../agent/settings';
import type { AppContext } from '../../context';
import { html, raw } from './html';
import { checkbox, csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

const LANGS = AgentSettingsSchema.shape.languages.unwrap().element.options;
const TONES = AgentSettingsSchema.shape.tone.unwrap().options;

export function agentPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'agent', href: '/agent', label: 'nav.agent', min: 'admin' });

  const body = async (p: MemberPage, o: { errors?: FieldErrors | null; saved?: boolean } = {}) => {
    const { i } = p;
    const a = await getAgentSettings(ctx.knex, p.workspaceId);
    return html`${o.saved ? html`<p class="ok" role="status">${i.t('common.saved')}</p>` : ''}
    <section aria-labelledby="ag-h"><h2 id="ag-h">${i.t('agent.settings')}</h2>
      <form method="post" action="/agent" novalidate>${csrfField(p)}
        ${errorSummary(p, o.errors)}
        ${checkbox({ name: 'ai_enabled', label: i.t('agent.ai_enabled'), checked: a.ai_enabled })}
        ${field(p, { name: 'persona', label: i.t('agent.persona'), hint: i.t('agent.persona_hint'), value: a.persona, rows: 3, errors: o.errors, attrs: html`maxlength="600"` })}
        ${select({ name: 'tone', label: i.t('agent.tone'), options: TONES.map((t) => [t, i.t(`agent.tone_${t}` as 'agent.tone_friendly')] as [string, string]), value: a.tone })}
        <fieldset><legend>${i.t('agent.languages')}</legend>
          ${LANGS.map((l) => html`<div class="field check"><input type="checkbox" id="lang-${l}" name="languages" value="${l}" ${a.languages.includes(l) ? raw('checked') : ''}><label for="lang-${l}">${i.t(`agent.lang_${l}` as 'agent.lang_fr')}</label></div>`)}
          ${o.errors?.languages ? html`<p class="error">${o.errors.languages}</p>` : ''}
        </fieldset>
        ${field(p, { name: 'origin_wilaya', label: i.t('agent.origin_wilaya'), value: a.origin_wilaya ?? '', errors: o.errors, attrs: html`inputmode="numeric" maxlength="3"` })}
        ${field(p, { name: 'policy_delivery_days', label: i.t('agent.policy_delivery'), value: a.policies.delivery_days, errors: o.errors })}
        ${field(p, { name: 'policy_returns', label: i.t('agent.policy_returns'), value: a.policies.returns, rows: 2, errors: o.errors })}
        ${field(p, { name: 'policy_other', label: i.t('agent.policy_other'), value: a.policies.other, rows: 3, errors: o.errors })}
        <button type="submit">${i.t('common.save')}</button></form></section>
    <section aria-labelledby="playground"><h2 id="playground">${i.t('agent.playground')}</h2>
      <p class="hint">${i.t('agent.playground_help')}</p>
      <div class="chat" id="pg-log" aria-live="polite"></div>
      <form method="post" action="/api/v1/playground" data-playground="pg-log">
        <div class="field"><label for="pg-text">${i.t('agent.playground_message')}</label><textarea id="pg-text" name="text" rows="2" required></textarea></div>
        <button type="submit">${i.t('agent.playground_send')}</button>
      </form>
      <noscript><p class="alert">${i.t('agent.playground_noscript')}</p></noscript></section>`;
  };

  page(router, ctx, 'get', '/agent', 'admin', async (p) => {
    await send(p, { title: p.i.t('nav.agent'), active: 'agent', body: await body(p, { saved: p.req.query.saved === '1' }) });
  });

  page(router, ctx, 'post', '/agent', 'admin', async (p) => {
    const b = p.req.body;
    const langs = Array.isArray(b.languages) ? b.languages : b.languages ? [b.languages] : [];
    try {
      const input = AgentSettingsPut.parse({
        ai_enabled: b.ai_enabled === 'on',
        persona: str(b.persona),
        tone: str(b.tone) || undefined,
        languages: langs,
        origin_wilaya: str(b.origin_wilaya).trim() || null,
        policies: { delivery_days: str(b.policy_delivery_days), returns: str(b.policy_returns), other: str(b.policy_other) },
      });
      await putAgentSettings(ctx.knex, p.workspaceId, input);
      return redirect(p, '/agent?saved=1');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('nav.agent'), active: 'agent', status: 400, body: await body(p, { errors }) });
    }
  });
}
