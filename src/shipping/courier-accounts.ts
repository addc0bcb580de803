import type { Knex } from 'knex';
import { z } from 'zod';
import type { AdapterFactory, CourierAdapter, CourierHttpOptions, CredentialCheck } from '../../couriers/contract';
import { registryFor, type CourierRegistry } from '../../couriers/registry';
import type { CourierId } from '../config';
import type { AppContext } from '../context';
import { AppError, invalidInput, notFound } from '../errors';

/**
 * A workspace's courier accounts: settings + active flag in `workspace_couriers`, credentials in
 * the vault (kind courier_credentials, ref = courier id; write-only). Builds adapters for jobs.
 */
const registries = new WeakMap<object, CourierRegistry>();

/** The courier registry of this process (the test configuration adds the in-memory 'fake'). */
export function couriersOf(ctx: AppContext): CourierRegistry {
  let reg = registries.get(ctx.config);
  if (!reg) registries.set(ctx.config, (reg = registryFor(ctx.config)));
  return reg;
}

export function courierDefinition(ctx: AppContext, courier: string): AdapterFactory {
  const def = couriersOf(ctx)[courier];
  if (!def) throw notFound(`Courier '${courier}'`);
  return def;
}

/** zod issues → "credentials.api_token: api_token is required; ..." so the 400 names the field. */
function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
  throw invalidInput(issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues });
}

export interface CourierAccountView {
  courier: string;
  display_name: string;
  active: boolean;
  settings: Record<string, unknown>;
  has_credentials: boolean;
  capabilities: AdapterFactory['capabilities'];
  last_test: { status: string; message: string | null; at: Date } | null;
  reference_synced_at: Date | null;
  tariffs_synced_at: Date | null;
  last_sync_error: string | null;
}

export async function saveCourierAccount(
  ctx: AppContext,
  workspaceId: string,
  courier: string,
  input: { credentials?: unknown; settings?: unknown; active: boolean },
): Promise<CourierAccountView> {
  const def = courierDefinition(ctx, courier);
  const existing = await ctx.knex('workspace_couriers').where({ workspace_id: workspaceId, courier }).first();
  const hasStored = await ctx.vault.has(workspaceId, 'courier_credentials', courier);
  if (input.credentials === undefined && !hasStored) throw invalidInput('credentials: required the first time a courier is connected');
  const credentials = input.credentials === undefined ? undefined : parseOrThrow(def.credentialsSchema, input.credentials, 'credentials');
  const settings = parseOrThrow(def.settingsSchema, input.settings ?? existing?.settings ?? {}, 'settings');
  // The base URL must be derivable now (Ecotrack needs base_url), not at the first booking.
  def.baseUrl(settings, ctx.config.courierBaseUrls[courier as CourierId]);

  await ctx.knex.transaction(async (trx) => {
    if (credentials !== undefined) await ctx.vault.put(workspaceId, 'courier_credentials', courier, credentials, trx);
    if (input.active) await trx('workspace_couriers').where({ workspace_id: workspaceId, active: true }).whereNot({ courier }).update({ active: false, updated_at: trx.fn.now() });
    await trx('workspace_couriers')
      .insert({ workspace_id: workspaceId, courier, settings: JSON.stringify(settings), active: input.active })
      .onConflict(['workspace_id', 'courier'])
      .merge({ settings: JSON.stringify(settings), active: input.active, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ workspace_id: workspaceId, actor: 'api', action: 'courier.saved', target: courier, data: JSON.stringify({ active: input.active, credentials_changed: credentials !== undefined }) });
  });
  return (await listCourierAccounts(ctx, workspaceId)).find((a) => a.courier === courier)!;
}

export async function listCourierAccounts(ctx: AppContext, workspaceId: string): Promise<CourierAccountView[]> {
  const rows = await ctx.knex('workspace_couriers').where({ workspace_id: workspaceId }).orderBy('courier');
  const secrets = await ctx.knex('secrets').where({ workspace_id: workspaceId, kind: 'courier_credentials' }).pluck('ref');
  const reg = couriersOf(ctx);
  return rows
    .filter((r) => reg[r.courier])
    .map((r) => ({
      courier: r.courier,
      display_name: reg[r.courier]!.displayName,
      active: r.active,
      settings: r.settings,
      has_credentials: secrets.includes(r.courier),
      capabilities: reg[r.courier]!.capabilities,
      last_test: r.last_test_status ? { status: r.last_test_status, message: r.last_test_message, at: r.last_test_at } : null,
      reference_synced_at: r.reference_synced_at,
      tariffs_synced_at: r.tariffs_synced_at,
      last_sync_error: r.last_sync_error,
    }));
}

/** The workspace's active courier id, or null. */
export async function activeCourier(db: Knex, workspaceId: string): Promise<string | null> {
  const row = await db('workspace_couriers').where({ workspace_id: workspaceId, active: true }).first('courier');
  return row?.courier ?? null;
}

/** An adapter for one workspace's account, from stored settings and credentials. */
export async function courierAdapter(ctx: AppContext, workspaceId: string, courier: string, http?: CourierHttpOptions): Promise<CourierAdapter> {
  const def = courierDefinition(ctx, courier);
  const row = await ctx.knex('workspace_couriers').where({ workspace_id: workspaceId, courier }).first();
  if (!row) throw new AppError('not_found', `Courier '${courier}' is not connected for this shop`);
  const credentials = await ctx.vault.get(workspaceId, 'courier_credentials', courier);
  if (!credentials) throw new AppError('unexpected_state', `No credentials are stored for ${def.displayName}: save them again in the courier settings`);
  const settings = def.settingsSchema.parse(row.settings ?? {});
  return def.create({
    baseUrl: def.baseUrl(settings, ctx.config.courierBaseUrls[courier as CourierId]),
    credentials: def.credentialsSchema.parse(credentials),
    settings,
    http,
  });
}

/** POST /couriers/:courier/test: asks the courier, records the outcome for the settings page. */
export async function testCourierAccount(ctx: AppContext, workspaceId: string, courier: string): Promise<CredentialCheck> {
  const adapter = await courierAdapter(ctx, workspaceId, courier);
  const result = await adapter.testCredentials();
  await ctx.knex('workspace_couriers')
    .where({ workspace_id: workspaceId, courier })
    .update({ last_test_status: result.ok ? 'ok' : 'failed', last_test_message: result.message, last_test_at: ctx.knex.fn.now() });
  return result;
}
