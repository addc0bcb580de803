import type { Knex } from 'knex';
import type { MultiFernet } from '../crypto/fernet';

export type SecretKind = 'meta_token' | 'sheets_service_account' | 'courier_credentials' | 'webhook_secret' | 'chargily';

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

  async get<T = unknown>(workspaceId: string, kind: SecretKind, ref = ''): Promise<T | null> {
    const row = await this.knex('secrets').where({ workspace_id: workspaceId, kind, ref }).first('token');
    if (!row) return null;
    return JSON.parse(this.keys.decrypt(row.token).toString('utf8')) as T;
  }

  async has(workspaceId: string, kind: SecretKind, ref = ''): Promise<boolean> {
    return !!(await this.knex('secrets').where({ workspace_id: workspaceId, kind, ref }).first('id'));
  }

  async remove(workspaceId: string, kind: SecretKind, ref = '', trx: Knex = this.knex): Promise<void> {
    await trx('secrets').where({ workspace_id: workspaceId, kind, ref }).delete();
  }

  /**
   * Re-encrypts every secret not yet under the primary key, in batches. Resumable: progress is the
   * key_id column, so an interrupted run picks up where it stopped.
   */
  async rotate(opts: { batchSize?: number; onProgress?: (done: number, remaining: number) => void } = {}): Promise<number> {
    const primary = this.keys.primary.keyId;
    const batchSize = opts.batchSize ?? 100;
    let done = 0;
    for (;;) {
      const rows = await this.knex('secrets').whereNot({ key_id: primary }).orderBy('id').limit(batchSize).select('id', 'token');
      if (rows.length === 0) break;
      await this.knex.transaction(async (trx) => {
        for (const r of rows) {
          await trx('secrets').where({ id: r.id }).update({ token: this.keys.rotate(r.token), key_id: primary, updated_at: trx.fn.now() });
        }
      });
      done += rows.length;
      const left = await this.knex('secrets').whereNot({ key_id: primary }).count({ count: '*' }).first();
      opts.onProgress?.(done, Number(left?.count ?? 0));
    }
    return done;
  }
}
