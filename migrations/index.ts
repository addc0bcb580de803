import type { Knex } from 'knex';
import * as webAccounts from './20261123_050_web_accounts';
import * as core from './20261123_001_core';
import * as agent from './20261123_020_agent';
import * as channels from './20261123_010_channels';
import * as sheets from './20261123_040_sheets';
import * as privacy from './20261123_060_privacy';
import * as merchantWebhooks from './20261123_061_merchant_webhooks';
import * as apiUsage from './20261123_062_api_usage';
import * as billing from './20261123_063_billing';
import * as replyParts from './20261123_064_reply_parts';
import * as promoCodes from './20261208_065_promo_codes';
import * as channelWaba from './20261208_066_channel_waba';
import * as couriers from './20261123_030_couriers';
import * as shipping from './20261123_031_shipping';

/**
 * Every migration, in order. A static list (not a folder scan) so the same code runs under tsx,
 * jest and a bundled build. Add a new file here with the next sortable name.
 */
export const MIGRATIONS: Array<[string, Knex.Migration]> = [
  ['20261123_001_core', core],
  ['20261123_010_channels', channels],
  ['20261123_020_agent', agent],
  ['20261123_030_couriers', couriers],
  ['20261123_031_shipping', shipping],
  ['20261123_040_sheets', sheets],
  ['20261123_050_web_accounts', webAccounts],
  ['20261123_060_privacy', privacy],
  ['20261123_061_merchant_webhooks', merchantWebhooks],
  ['20261123_062_api_usage', apiUsage],
  ['20261123_063_billing', billing],
  ['20261123_064_reply_parts', replyParts],
  ['20261208_065_promo_codes', promoCodes],
  ['20261208_066_channel_waba', channelWaba],
];
