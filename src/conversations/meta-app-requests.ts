import crypto from 'node:crypto';
import { parseSignedRequest } from '../../channels/meta/signature';
import type { AppContext } from '../context';
import { invalidInput, unauthorized } from '../errors';
import { META_DELETION_JOB } from '../privacy/forget-customer';

/**
 * Meta's data-deletion and deauthorize callbacks (signed_request). They concern the app-scoped id
 * of a person who logged into our app (a merchant), not end customers (§5.3). We record the
 * request and queue the forgetting of any customer keyed on that id.
 */
export async function recordMetaAppRequest(ctx: AppContext, kind: 'data_deletion' | 'deauthorize', signedRequest: unknown) {
  if (typeof signedRequest !== 'string' || !signedRequest) throw invalidInput('signed_request is required');
  const secret = ctx.config.meta.appSecret;
  const data = secret ? parseSignedRequest(signedRequest, secret) : null;
  if (!data) throw unauthorized('Invalid signed_request');
  const userId = typeof data.user_id === 'string' || typeof data.user_id === 'number' ? String(data.user_id) : '';
  if (!userId) throw invalidInput('signed_request has no user_id');
  const code = crypto.randomBytes(12).toString('hex');
  const issued = Number(data.issued_at);
  await ctx.knex.transaction(async (trx) => {
    await trx('meta_app_requests').insert({
      confirmation_code: code, kind, user_id: userId,
      issued_at: Number.isFinite(issued) && issued > 0 ? new Date(issued * 1000) : null,
    });
    // The forgetting runs as a job (src/privacy/forget-customer.ts); the status page follows it.
    if (kind === 'data_deletion') await ctx.jobs.send(META_DELETION_JOB, { code }, { idempotencyKey: code, trx });
  });
  return { code, url: `${ctx.config.publicBaseUrl}/webhooks/meta/deletion-status/${code}` };
}

export async function metaRequestStatus(ctx: AppContext, code: string) {
  if (!/^[0-9a-f]{24}$/.test(code)) return null;
  return ctx.knex('meta_app_requests').where({ confirmation_code: code, kind: 'data_deletion' }).first('confirmation_code', 'status', 'created_at');
}
