import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError, invalidInput, unauthorized } from '../errors';
import { hashPassword, verifyPassword } from './passwords';
import { clearLoginFailures, loginRetryAfter, recordLoginFailure } from './login-limiter';

export const LOCALES = ['fr', 'ar', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const Password = z.string().min(10, 'password must have at least 10 characters').max(200);
export const Email = z.email('not a valid email address').max(254).transform((e) => e.trim().toLowerCase());

// Verified against when the email is unknown, so a wrong email costs as much time as a wrong password.
let dummyHash: Promise<string> | undefined;

/**
 * Checks an email and password, limited per email and client IP. Every failure looks the same to
 * the caller (no hint whether the email exists).
 */
export async function logIn(knex: Knex, input: { email: string; password: string; ip: string }): Promise<{ accountId: string }> {
  const email = input.email.trim().toLowerCase();
  const wait = await loginRetryAfter(knex, email, input.ip);
  if (wait > 0) throw new AppError('rate_limited', 'Too many failed attempts; try again later', { retry_after_seconds: wait });
  const account = await knex('accounts').whereRaw('lower(email) = ?', [email]).first('id', 'password_hash');
  const ok = account?.password_hash
    ? await verifyPassword(input.password, account.password_hash)
    : (await verifyPassword(input.password, await (dummyHash ??= hashPassword('not-a-real-password'))), false);
  if (!ok || !account) {
    await recordLoginFailure(knex, email, input.ip);
    throw unauthorized('Wrong email or password');
  }
  await clearLoginFailures(knex, email, input.ip);
  return { accountId: account.id };
}

export async function changePassword(knex: Knex, accountId: string, input: { current: string; next: string }): Promise<void> {
  const next = Password.safeParse(input.next);
  if (!next.success) throw invalidInput(next.error.issues[0]!.message, [{ path: 'new_password', message: next.error.issues[0]!.message }]);
  const account = await knex('accounts').where({ id: accountId }).first('password_hash');
  if (!account?.password_hash || !(await verifyPassword(input.current, account.password_hash))) {
    throw invalidInput('The current password is wrong', [{ path: 'current_password', message: 'wrong password' }]);
  }
  await knex('accounts').where({ id: accountId }).update({ password_hash: await hashPassword(next.data), updated_at: knex.fn.now() });
}

export async function setLocale(knex: Knex, accountId: string, locale: string): Promise<void> {
  const l = z.enum(LOCALES).parse(locale);
  await knex('accounts').where({ id: accountId }).update({ locale: l, updated_at: knex.fn.now() });
}
