import { signMetaBody } from '../channels/meta/signature';
import { Client } from 'pg';
import pino from 'pino';
import { COURIER_IDS, courierEnvName, parseConfig, type Config } from '../src/config';
import { generateKey } from '../src/crypto/fernet';
import { connectDatabase } from '../src/db/connect';
import { migrateLatest } from '../src/db/migrate';

export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const APP_SECRET = 'bench-app-secret';

/** A throwaway, migrated database for one benchmark run. */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `wakil_bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const db = await connectDatabase({ databaseUrl: u.toString(), dataDir: '/nonexistent' });
  await migrateLatest(db.knex);
  await db.close();
  return {
    url: u.toString(),
    async drop() {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** One key per bench run: a token stored by one process is read by the others. */
const FERNET_KEY = generateKey();

/**
 * Every outside service points at a closed local port unless a suite starts a fake for it, so a
 * benchmark never reaches a real courier, Google or Meta.
 */
const NOWHERE = 'http://127.0.0.1:9/';
const offline: Record<string, string> = {
  META_GRAPH_BASE_URL: NOWHERE,
  ANTHROPIC_BASE_URL: NOWHERE,
  ANTHROPIC_API_KEY: 'bench',
  GOOGLE_SHEETS_ROOT_URL: NOWHERE,
  CHARGILY_BASE_URL: NOWHERE,
  ...Object.fromEntries(COURIER_IDS.map((id) => [courierEnvName(id), NOWHERE])),
};

/** The environment of a Wakil process under benchmark: production mode on the bench database. */
export function appEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    FERNET_KEYS: FERNET_KEY,
    META_APP_SECRET: APP_SECRET,
    META_VERIFY_TOKEN: 'bench',
    ...offline,
    ...env,
  };
}

export function benchConfig(databaseUrl: string, env: Record<string, string> = {}): Config {
  return parseConfig(appEnv(databaseUrl, env));
}

export const silentLogger = () => pino({ level: 'silent' });

export function sign(body: string, secret = APP_SECRET): string {
  return signMetaBody(body, secret);
}

/** A WhatsApp text message webhook as Meta sends it (non-ASCII escaped as \uXXXX). */
export function whatsappTextBody(phoneNumberId: string, from: string, wamid: string, text: string): string {
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '213770123456', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: 'Client' }, wa_id: from }],
              messages: [{ from, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
  return JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
