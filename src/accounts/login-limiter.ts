import crypto from 'node:crypto';
import type { Knex } from 'knex';

/** 5 failed attempts per email and IP in 15 minutes, then wait (OWASP authentication cheat sheet). */
export const LOGIN_LIMIT = { attempts: 5, windowMs: 15 * 60 * 1000 };

const keyOf = (email: string, ip: string) => crypto.createHash('sha256').update(`${email.trim().toLowerCase()}\n${ip}`).digest('hex');

/** Seconds to wait before the next attempt is allowed, or 0 when one is allowed now. */
export async function loginRetryAfter(knex: Knex, email: string, ip: string): Promise<number> {
  const since = new Date(Date.now() - LOGIN_LIMIT.windowMs);
  const rows = await knex('login_failures')
    .where({ key: keyOf(email, ip) })
    .where('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .limit(LOGIN_LIMIT.attempts)
    .select('created_at');
  if (rows.length < LOGIN_LIMIT.attempts) return 0;
  // The window reopens when the oldest of the last N failures leaves it.
  const oldest = new Date(rows[rows.length - 1]!.created_at).getTime();
  return Math.max(1, Math.ceil((oldest + LOGIN_LIMIT.windowMs - Date.now()) / 1000));
}

export async function recordLoginFailure(knex: Knex, email: string, ip: string): Promise<void> {
  await knex('login_failures').insert({ key: keyOf(email, ip) });
  // Keep the table small: drop what no window can see any more.
  await knex('login_failures').where('created_at', '<', new Date(Date.now() - LOGIN_LIMIT.windowMs)).del();
}

export async function clearLoginFailures(knex: Knex, email: string, ip: string): Promise<void> {
  await knex('login_failures').where({ key: keyOf(email, ip) }).del();
}
