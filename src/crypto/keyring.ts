import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { generateKey, MultiFernet } from './fernet';

/**
 * FERNET_KEYS when set. In development only, a key is generated once into DATA_DIR so
 * `npm start` works on a fresh clone; production refuses to start without FERNET_KEYS (config.ts).
 */
export function loadKeyring(config: Pick<Config, 'fernetKeys' | 'dataDir' | 'env'>, logger: Logger): MultiFernet {
  if (config.fernetKeys?.length) return new MultiFernet(config.fernetKeys);
  const file = path.join(config.dataDir, 'fernet.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, generateKey() + '\n', { mode: 0o600 });
    logger.warn({ file }, 'FERNET_KEYS is not set: generated a development key. Set FERNET_KEYS in production.');
  }
  return new MultiFernet([fs.readFileSync(file, 'utf8').trim()]);
}
