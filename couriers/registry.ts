import { z } from 'zod';
import { COURIER_IDS, type CourierId } from '../src/config';
import { anderson } from './anderson';
import { CANONICAL_STATUSES, type AdapterFactory, type CourierCapabilities } from './contract';
import { ecotrack } from './ecotrack';
import { fakeCourier } from './fake';
import { maystro } from './maystro';
import { noest } from './noest';
import { procolis } from './procolis';
import { yalidine } from './yalidine';
import { zrExpress } from './zr-express';

/**
 * Every courier merchants can pick, by the registry ids fixed in DESIGN.md. `satisfies` makes the
 * compiler demand exactly one entry per CourierId. Adding a courier = one file + one line here.
 */
export const couriers = {
  yalidine,
  'zr-express': zrExpress,
  procolis,
  maystro,
  noest,
  ecotrack,
  anderson,
} satisfies Record<CourierId, AdapterFactory>;

export type CourierRegistry = Readonly<Record<string, AdapterFactory>>;

/**
 * The registry a process uses. `includeFake` adds the in-memory 'fake' courier (test configuration
 * only: `registryFor(config)` turns it on when NODE_ENV=test), registered exactly like a real one.
 */
export function createRegistry(opts: { includeFake?: boolean } = {}): CourierRegistry {
  const reg: Record<string, AdapterFactory> = { ...couriers };
  if (opts.includeFake) reg.fake = fakeCourier;
  const problems = validateRegistry(reg);
  if (problems.length) throw new Error(`Courier registry is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return reg;
}

export function registryFor(config: { env: string }): CourierRegistry {
  return createRegistry({ includeFake: config.env === 'test' });
}

export function isProductionCourier(id: string): id is CourierId {
  return (COURIER_IDS as readonly string[]).includes(id);
}

const FLAGS: Array<keyof CourierCapabilities> = ['webhooks', 'validateStep', 'bulkCreate', 'stopDesks', 'cancel', 'update', 'tariffGrid'];

/**
 * Checks every definition and returns ALL problems (empty = fine), so boot reports them at once:
 * id matches its key, names, capability flags, object credential schema, webhook presence, and
 * each adapter's status map targets only canonical statuses. Constructing an adapter must do no I/O.
 */
export function validateRegistry(reg: Record<string, AdapterFactory>): string[] {
  const problems: string[] = [];
  for (const [key, def] of Object.entries(reg)) {
    const at = `${key}:`;
    if (def.id !== key) problems.push(`${at} definition id is '${def.id}'`);
    if (!def.displayName?.trim()) problems.push(`${at} displayName is empty`);
    const caps = def.capabilities ?? ({} as CourierCapabilities);
    for (const f of FLAGS) if (typeof caps[f] !== 'boolean') problems.push(`${at} capability ${f} must be true or false`);
    if (!Number.isInteger(caps.maxBatch) || caps.maxBatch < 1) problems.push(`${at} capability maxBatch must be a positive integer`);
    if (!['pdf', 'url', 'html_url', 'none'].includes(caps.label)) problems.push(`${at} capability label is '${String(caps.label)}'`);
    if (!(def.credentialsSchema instanceof z.ZodObject)) problems.push(`${at} credentialsSchema must be a zod object`);
    if (caps.webhooks !== !!def.webhook) problems.push(`${at} capabilities.webhooks and the webhook handler disagree`);
    try {
      const adapter = def.create({ baseUrl: 'http://registry-check.invalid/', credentials: {}, settings: { auto_ship: true } });
      if (adapter.id !== key) problems.push(`${at} adapter id is '${adapter.id}'`);
      for (const [raw, st] of Object.entries(adapter.statusMap)) {
        if (!(CANONICAL_STATUSES as readonly string[]).includes(st)) problems.push(`${at} status '${raw}' maps to unknown canonical '${st}'`);
      }
      if (caps.validateStep && typeof adapter.validate !== 'function') problems.push(`${at} validateStep is set but validate() is missing`);
      if (caps.update && typeof adapter.update !== 'function') problems.push(`${at} update is set but update() is missing`);
    } catch (err) {
      problems.push(`${at} constructing the adapter failed: ${(err as Error).message}`);
    }
  }
  return problems;
}
