import type { Knex } from 'knex';
import * as core from './20261123_001_core';

/**
 * Every migration, in order. A static list (not a folder scan) so the same code runs under tsx,
 * jest and a bundled build. Add a new file here with the next sortable name.
 */
export const MIGRATIONS: Array<[string, Knex.Migration]> = [
  ['20261123_001_core', core],
];
