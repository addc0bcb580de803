import { z } from 'zod';
import type { Knex } from 'knex';
import { notFound } from '../errors';

/** The merchant's agent settings, stored in workspaces.agent (jsonb) next to workspaces.ai_enabled. */
export const AgentSettingsSchema = z.object({
  persona: z.string().trim().max(600).default(''),
  tone: z.enum(['friendly', 'formal', 'playful', 'concise']).default('friendly'),
  languages: z.array(z.enum(['darija', 'arabizi', 'fr', 'ar', 'en'])).min(1).default(['darija', 'arabizi', 'fr', 'ar']),
  policies: z
    .object({
      returns: z.string().trim().max(1000).default(''),
      delivery_days: z.string().trim().max(200).default(''),
      other: z.string().trim().max(2000).default(''),
    })
    .default({ returns: '', delivery_days: '', other: '' }),
  delivery_options: z.array(z.enum(['home', 'stopdesk'])).min(1).default(['home', 'stopdesk']),
  origin_wilaya: z.string().trim().max(3).nullable().default(null),
});
export type AgentSettings = z.infer<typeof AgentSettingsSchema>;

export const AgentSettingsPut = AgentSettingsSchema.partial().extend({ ai_enabled: z.boolean().optional() });

export interface WorkspaceAgent extends AgentSettings {
  ai_enabled: boolean;
  shop_name: string;
}

export async function getAgentSettings(db: Knex, workspaceId: string): Promise<WorkspaceAgent> {
  const ws = await db('workspaces').where({ id: workspaceId }).first('name', 'agent', 'ai_enabled');
  if (!ws) throw notFound('Workspace');
  return { ...AgentSettingsSchema.parse(ws.agent ?? {}), ai_enabled: ws.ai_enabled, shop_name: ws.name };
}

export async function putAgentSettings(db: Knex, workspaceId: string, input: z.infer<typeof AgentSettingsPut>): Promise<WorkspaceAgent> {
  const { ai_enabled, ...rest } = input;
  const current = await getAgentSettings(db, workspaceId);
  const { ai_enabled: _a, shop_name: _s, ...stored } = current;
  const next = AgentSettingsSchema.parse({ ...stored, ...rest, policies: { ...stored.policies, ...(rest.policies ?? {}) } });
  const patch: Record<string, unknown> = { agent: JSON.stringify(next), updated_at: db.fn.now() };
  if (ai_enabled !== undefined) patch.ai_enabled = ai_enabled;
  await db('workspaces').where({ id: workspaceId }).update(patch);
  return getAgentSettings(db, workspaceId);
}
