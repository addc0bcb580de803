import type { Knex } from 'knex';
import { InvalidToken, type MultiFernet } from '../crypto/fernet';

export type SecretKind = 'meta_token' | 'sheets_service_account' | 'courier_credentials' | 'courier_webhook_secret' | 'webhook_secret' | 'chargily';

/**
 * Per-workspace secrets, Fernet-encrypted at rest. Values are decrypted only where they are used,
 * are never returned by the API and never logged (the logger redacts, and nothing here logs).
 */
export class Vault {
  constructor(
    private readonly knex: Knex,
    private readonly keys: MultiFernet,
  ) {}

  async put(workspaceId: string, kind: SecretKind, ref: string, value: unknown, trx: Knex = this.knex): Promise<void> {
    const token = this.keys.encrypt(JSON.stringify(value));
    await trx('secrets')
      .insert({ workspace_id: workspaceId, kind, ref, token, key_id: this.keys.primary.keyId })
      .onConflict(['workspace_id', 'kind', 'ref'])
      .merge({ token, key_id: this.keys.primary.keyId, updated_at: trx.fn.now() });
  }

  /** Pass `trx` when inside a transaction: on PGlite the pool is one connection, held by it. */
  async get<T = unknown>(workspaceId: string, kind: SecretKind, ref = '', trx: Knex = this.knex): Promise<T | null> {
    const row = await trx('secrets').where({ workspace_id: workspaceId, kind, ref }).first('token');
    if (!row) return null;
    return JSON.parse(this.keys.decrypt(row.token).toString('utf8')) as T;
  }

  async has(workspaceId: string, kind: SecretKind, ref = '', trx: Knex = this.knex): Promise<boolean> {
    return !!(await trx('secrets').where({ workspace_id: workspaceId, kind, ref }).first('id'));
  }

  async remove(workspaceId: string, kind: SecretKind, ref = '', trx: Knex = this.knex): Promise<void> {
    await trx('secrets').where({ workspace_id: workspaceId, kind, ref }).delete();
  }

  /**
   * Re-encrypts every secret not yet under the primary key, in batches. Resumable: progress is the
   * key_id column, so an interrupted run picks up where it stopped. Each batch is read FOR UPDATE
   * inside its transaction, so a put() racing with the rotation is never overwritten by the
   * re-encrypted old value.
   */
  async rotate(opts: { batchSize?: number; onProgress?: (done: number, remaining: number) => void } = {}): Promise<number> {
    const primary = this.keys.primary.keyId;
    const batchSize = opts.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batch size must be a positive integer');
    let done = 0;
    for (;;) {
      const n = await this.knex.transaction(async (trx) => {
        const rows = await trx('secrets').whereNot({ key_id: primary }).orderBy('id').limit(batchSize).forUpdate().select('id', 'key_id', 'token');
        for (const r of rows) {
          let token: string;
          try {
            token = this.keys.rotate(r.token);
          } catch (e) {
            if (e instanceof InvalidToken) {
              // Names the row and the key fingerprint, never the value: the operator must add that key to FERNET_KEYS.
              throw new Error(`secret ${r.id} (key ${r.key_id}) cannot be decrypted with any key in FERNET_KEYS: ${e.message}`, { cause: e });
            }
            throw e;
          }
          await trx('secrets').where({ id: r.id }).update({ token, key_id: primary, updated_at: trx.fn.now() });
        }
        return rows.length;
      });
      if (n === 0) break;
      done += n;
      const left = await this.knex('secrets').whereNot({ key_id: primary }).count({ count: '*' }).first();
      opts.onProgress?.(done, Number(left?.count ?? 0));
    }
    return done;
  }
}
