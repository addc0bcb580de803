import { z } from 'zod';
import { PlaygroundInput } from '../agent/playground';
import { AgentSettingsPut } from '../agent/settings';
import { ProductInput, ProductPatch } from '../catalog/products';
import { ConnectChannelInput } from '../conversations/channel-accounts';
import { CreateEndpointInput } from '../merchant-webhooks/endpoints';
import { CourierWebhookSecretPut, ReturnRiskQuery } from '../shipping/shipment-routes';
import { LEAD_STATUSES } from '../leads/status';
import { PROMO_KINDS, PromoCodeInput, PromoCodePatch } from '../orders/promo-codes';
import { ORDER_STATUSES } from '../orders/status';
import { ConnectSheetInput } from '../sheets/connection';
import { ShippingSettingsPut } from '../shipping/notify';
import { CourierAccountPut, TariffOverridesPut, TariffQuery } from '../shipping/routes';
import { CheckoutInput } from './routes/billing';
import { ConversationQuery, HumanReply, MessageQuery, PauseBody } from './routes/conversations';
import { communeQuery } from './routes/geo';
import { LeadQuery, LeadStatusPatch, OrderCreateInput, OrderPatch, OrderQuery, ProductImportInput, StatsQuery } from './routes/sales';
import { ApiKeyInput } from './routes/workspace';
import type { RouteModule } from './types';

/**
 * The merchant API as an OpenAPI 3.1 document. Request bodies and query parameters are generated
 * from the same zod schemas the route handlers parse with, so the documentation cannot drift from
 * validation; test/integration/openapi.test.ts fails when a registered route is missing here.
 */

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type MinRole = 'agent' | 'admin' | 'owner';

interface Operation {
  summary: string;
  tag: string;
  role?: MinRole;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Success status → description and schema (a $ref or inline JSON Schema); none = 204. */
  ok: { status: number; description: string; schema?: Json };
}

export const OPENAPI_PATH = '/api/v1/openapi.json';
const SERVER_PREFIX = '/api/v1';

/** JSON Schema of what a client sends (the input side of transforms and defaults). */
function schemaOf(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Json, required = Object.keys(properties)): Json => ({ type: 'object', properties, required });
const arrayOf = (items: Json): Json => ({ type: 'array', items });
const nullable = (s: Json): Json => ({ anyOf: [s, { type: 'null' }] });
const anyObject: Json = { type: 'object', additionalProperties: true };
const wrap = (key: string, inner: Json): Json => obj({ [key]: inner });

const ERROR_TYPES = ['invalid_input', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'rate_limited', 'provider_error', 'unexpected_state'];

const components = {
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', description: 'A merchant API key: `Authorization: Bearer <key>`. Keys are stored as SHA-256 hashes.' },
    sessionCookie: { type: 'apiKey', in: 'cookie', name: 'wakil_session', description: 'The settings page session (browser use).' },
  },
  schemas: {
    Error: obj({
      error: obj(
        {
          type: { type: 'string', enum: ERROR_TYPES },
          message: { type: 'string', description: 'What went wrong, in words a merchant can act on.' },
          details: { description: 'Structured detail, e.g. the failing fields of invalid_input.' },
        },
        ['type', 'message'],
      ),
    }),
    OrderItem: obj({
      product_id: nullable({ type: 'string', format: 'uuid' }),
      name: { type: 'string' },
      variant: nullable({ type: 'string' }),
      unit_price: { type: 'integer', description: 'DZD' },
      quantity: { type: 'integer', minimum: 1 },
      line_total: { type: 'integer', description: 'DZD' },
    }),
    OrderCustomer: obj({
      name: nullable({ type: 'string' }),
      phone: nullable({ type: 'string', description: 'E.164' }),
      wilaya: nullable({ type: 'string', description: 'wilaya code, e.g. "16"' }),
      commune: nullable({ type: 'string', description: 'commune code (ONS)' }),
      address: nullable({ type: 'string' }),
    }),
    Shipment: obj({
      courier: { type: 'string', description: 'courier registry id, e.g. yalidine' },
      tracking: nullable({ type: 'string' }),
      status: { type: 'string' },
      error: nullable({ type: 'string', description: "the courier's refusal in words; null when none" }),
    }),
    Order: {
      ...obj(
        {
          id: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: [...ORDER_STATUSES] },
          total: { type: 'integer', description: 'DZD: subtotal − discount + delivery_fee' },
          subtotal: { type: 'integer', description: 'DZD, items only' },
          discount: { type: 'integer', description: 'DZD off the items subtotal from promo_code (0 without one); never off the delivery fee' },
          promo_code: nullable({ type: 'string', description: 'the promo code the order was given, upper-cased' }),
          delivery_fee: { type: 'integer', description: 'DZD' },
          delivery_type: { type: 'string', enum: ['home', 'stopdesk'] },
          items: arrayOf(ref('OrderItem')),
          customer: ref('OrderCustomer'),
          shipment: nullable(ref('Shipment')),
          note: nullable({ type: 'string' }),
          source: { type: 'string' },
          conversation_id: nullable({ type: 'string', format: 'uuid' }),
          confirmed_at: nullable({ type: 'string', format: 'date-time' }),
          created_at: { type: 'string', format: 'date-time' },
          updated_at: { type: 'string', format: 'date-time' },
        },
        ['id', 'status', 'total', 'items', 'customer', 'shipment'],
      ),
      description: 'The fixed order shape scripts rely on: id, status, total, items, customer, shipment.',
    },
    PromoCode: obj({
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', description: 'upper-cased; what the customer types' },
      kind: { type: 'string', enum: [...PROMO_KINDS] },
      value: { type: 'integer', description: 'percent (1–90) or DZD' },
      min_subtotal: { type: 'integer', description: 'DZD, items only' },
      max_uses: nullable({ type: 'integer' }),
      uses: { type: 'integer', description: 'orders that took the code' },
      starts_at: nullable({ type: 'string', format: 'date-time' }),
      ends_at: nullable({ type: 'string', format: 'date-time' }),
      active: { type: 'boolean' },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    }),
    Lead: obj({
      id: { type: 'string', format: 'uuid' },
      conversation_id: nullable({ type: 'string', format: 'uuid' }),
      customer_name: nullable({ type: 'string' }),
      phone: nullable({ type: 'string', description: 'E.164' }),
      interest: { type: 'string' },
      wilaya: nullable({ type: 'string', description: 'wilaya code, e.g. "16"' }),
      status: { type: 'string', enum: [...LEAD_STATUSES] },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    }),
  },
};

const ok = (description: string, schema?: Json, status = 200) => ({ status, description, schema });
const none = { status: 204, description: 'Done; no body.' };

/** Every merchant API operation, by path (express syntax, under /api/v1) and method. */
export const OPERATIONS: Record<string, Partial<Record<Method, Operation>>> = {
  '/workspace': {
    get: { summary: 'The workspace and the caller\'s role', tag: 'workspace', ok: ok('The workspace', obj({ workspace: anyObject, role: { type: 'string' } })) },
    delete: { summary: 'Delete the workspace (deactivated now, purged later)', tag: 'privacy', role: 'owner', ok: ok('Deactivated', obj({ status: { const: 'deactivated' }, purge_due_at: { type: 'string', format: 'date-time' } }), 202) },
  },
  '/api-keys': {
    get: { summary: 'List API keys (prefixes only)', tag: 'workspace', role: 'admin', ok: ok('Keys', wrap('api_keys', arrayOf(anyObject))) },
    post: { summary: 'Create an API key (shown once)', tag: 'workspace', role: 'admin', body: ApiKeyInput, ok: ok('The new key', obj({ id: { type: 'string' }, prefix: { type: 'string' }, api_key: { type: 'string' } }), 201) },
  },
  '/api-keys/:id': { delete: { summary: 'Revoke an API key', tag: 'workspace', role: 'admin', ok: none } },
  '/agent': {
    get: { summary: 'Agent settings (persona, languages, AI on/off, origin wilaya)', tag: 'agent', ok: ok('Settings', wrap('agent', anyObject)) },
    put: { summary: 'Change agent settings', tag: 'agent', role: 'admin', body: AgentSettingsPut, ok: ok('Settings', wrap('agent', anyObject)) },
  },
  '/playground': { post: { summary: 'Talk to your own agent (no Meta involved)', tag: 'agent', role: 'admin', body: PlaygroundInput, ok: ok('The agent\'s reply', anyObject) } },
  '/channels': {
    get: { summary: 'Connected channels (tokens never returned)', tag: 'channels', ok: ok('Channels', wrap('channels', arrayOf(anyObject))) },
    post: { summary: 'Connect a WhatsApp number, Page or Instagram account', tag: 'channels', role: 'admin', body: ConnectChannelInput, ok: ok('Connected (200 when it already was)', wrap('channel', anyObject), 201) },
  },
  '/channels/:id': { delete: { summary: 'Disconnect a channel', tag: 'channels', role: 'admin', ok: none } },
  '/channels/:id/test': { post: { summary: 'Check a channel\'s token against Meta', tag: 'channels', role: 'admin', ok: ok('Result', anyObject) } },
  '/products': {
    get: { summary: 'The catalog', tag: 'catalog', ok: ok('Products', wrap('products', arrayOf(anyObject))) },
    post: { summary: 'Add a product (price in DZD)', tag: 'catalog', role: 'admin', body: ProductInput, ok: ok('The product', wrap('product', anyObject), 201) },
  },
  '/products/import': {
    post: {
      summary: 'Import products from CSV (columns name, price, stock, sku, description, variants "M:3500|L:3800"). Rows with a SKU update the product that has it. dry_run: true validates only. Invalid rows are reported per row and skipped.',
      tag: 'catalog',
      role: 'admin',
      body: ProductImportInput,
      ok: ok('Per-row report', wrap('import', anyObject)),
    },
  },
  '/products/:id': {
    get: { summary: 'One product', tag: 'catalog', ok: ok('The product', wrap('product', anyObject)) },
    patch: { summary: 'Change a product', tag: 'catalog', role: 'admin', body: ProductPatch, ok: ok('The product', wrap('product', anyObject)) },
    delete: { summary: 'Remove a product', tag: 'catalog', role: 'admin', ok: none },
  },
  '/promo-codes': {
    get: { summary: 'Your promo codes, with their uses', tag: 'orders', ok: ok('Promo codes', wrap('promo_codes', arrayOf(ref('PromoCode')))) },
    post: { summary: 'Add a promo code (a code already in the shop is 409 conflict)', tag: 'orders', role: 'admin', body: PromoCodeInput, ok: ok('The promo code', wrap('promo_code', ref('PromoCode')), 201) },
  },
  '/promo-codes/:id': {
    patch: { summary: 'Change a promo code (active: false deactivates it)', tag: 'orders', role: 'admin', body: PromoCodePatch, ok: ok('The promo code', wrap('promo_code', ref('PromoCode'))) },
    delete: { summary: 'Delete a promo code (orders keep their discount and code)', tag: 'orders', role: 'admin', ok: none },
  },
  '/orders': {
    get: { summary: 'Orders, newest first', tag: 'orders', query: OrderQuery, ok: ok('Orders', wrap('orders', arrayOf(ref('Order')))) },
    post: {
      summary:
        'Create a pending order typed by the merchant (a phone order): the phone is normalised to +213…, the wilaya (number or name) and commune are resolved, items are priced from the catalog, the promo code applied, and the delivery fee taken from your courier tariffs unless delivery_fee is given. Refusals are 400 invalid_input with the field in details.',
      tag: 'orders',
      body: OrderCreateInput,
      ok: ok('The order', wrap('order', ref('Order')), 201),
    },
  },
  '/orders/:id': {
    get: { summary: 'One order', tag: 'orders', ok: ok('The order', wrap('order', ref('Order'))) },
    patch: {
      summary:
        'Change an unshipped order\'s customer, place, items (repriced), promo code (null removes it) or note, and/or its status (the status machine applies, after the fields). A new wilaya, commune or delivery type re-quotes the fee unless delivery_fee is given. A shipped order is 409 conflict.',
      tag: 'orders',
      body: OrderPatch,
      ok: ok('The order', wrap('order', ref('Order'))),
    },
  },
  '/orders/:id/ship': { post: { summary: 'Book (or retry booking) the order\'s shipment by hand', tag: 'orders', ok: ok('Booked (202 while a retryable refusal is being retried)', anyObject) } },
  '/orders/:id/label': { get: { summary: 'The shipping label: a PDF, or JSON with the courier\'s label URL', tag: 'orders', ok: ok('The label', wrap('label', obj({ kind: { type: 'string' }, url: nullable({ type: 'string' }) }))) } },
  '/shipping/settings': {
    get: { summary: 'Delivery notification settings', tag: 'couriers', ok: ok('Settings', wrap('settings', anyObject)) },
    put: { summary: 'Change delivery notification settings', tag: 'couriers', role: 'admin', body: ShippingSettingsPut, ok: ok('Settings', wrap('settings', anyObject)) },
  },
  '/customers/return-risk': {
    get: {
      summary: 'How often orders to this phone number came back',
      tag: 'orders',
      query: ReturnRiskQuery,
      ok: ok('Return risk', wrap('return_risk', anyObject)),
    },
  },
  '/leads': { get: { summary: 'Leads captured by the agent', tag: 'orders', query: LeadQuery, ok: ok('Leads', wrap('leads', arrayOf(ref('Lead')))) } },
  '/leads/:id': {
    patch: {
      summary: 'Mark a lead contacted, converted or lost (the lead status table applies; a refused move is 409 conflict with the allowed ones)',
      tag: 'orders',
      body: LeadStatusPatch,
      ok: ok('The lead', wrap('lead', ref('Lead'))),
    },
  },
  '/stats': { get: { summary: 'Orders placed in a period and what became of them: by status and per Algiers day, confirmation rate, delivered vs returned, revenue collected, AI cost (USD_DZD_RATE), ROI, conversations by channel, orders by ad', tag: 'orders', query: StatsQuery, ok: ok('Stats', wrap('stats', anyObject)) } },
  '/conversations': { get: { summary: 'Conversations, most recent first', tag: 'conversations', query: ConversationQuery, ok: ok('Conversations', wrap('conversations', arrayOf(anyObject))) } },
  '/conversations/:id/messages': {
    get: { summary: 'A conversation\'s messages', tag: 'conversations', query: MessageQuery, ok: ok('Messages', wrap('messages', arrayOf(anyObject))) },
    post: {
      summary: 'Reply as a person (pauses the AI for a while). An Idempotency-Key header makes retries safe.',
      tag: 'conversations',
      body: HumanReply,
      ok: ok('Sent (201), or refused by policy (200 with status failed)', wrap('message', obj({ id: { type: 'string' }, status: { type: 'string', enum: ['sent', 'failed', 'skipped'] }, error: nullable({ type: 'string' }) })), 201),
    },
  },
  '/conversations/:id/pause': { post: { summary: 'Pause the AI for this conversation', tag: 'conversations', body: PauseBody, ok: ok('The conversation', wrap('conversation', anyObject)) } },
  '/conversations/:id/resume': { post: { summary: 'Let the AI answer again', tag: 'conversations', ok: ok('The conversation', wrap('conversation', anyObject)) } },
  '/customers/:id/forget': { post: { summary: 'Erase a customer\'s personal data', tag: 'privacy', role: 'admin', ok: ok('Result', wrap('forgotten', anyObject)) } },
  '/export': { get: { summary: 'Everything the workspace holds, as one JSON download', tag: 'privacy', role: 'owner', ok: ok('The export', anyObject) } },
  '/webhooks': {
    get: { summary: 'Your webhook endpoints', tag: 'webhooks', role: 'admin', ok: ok('Endpoints', wrap('webhooks', arrayOf(anyObject))) },
    post: { summary: 'Add a webhook endpoint (signing secret shown once)', tag: 'webhooks', role: 'admin', body: CreateEndpointInput, ok: ok('The endpoint', wrap('webhook', anyObject), 201) },
  },
  '/webhooks/:id': { delete: { summary: 'Remove a webhook endpoint', tag: 'webhooks', role: 'admin', ok: none } },
  '/webhooks/:id/deliveries': { get: { summary: 'Recent deliveries to an endpoint', tag: 'webhooks', role: 'admin', ok: ok('Deliveries', wrap('deliveries', arrayOf(anyObject))) } },
  '/billing': { get: { summary: 'Plan, usage this month and notices', tag: 'billing', ok: ok('Billing', anyObject) } },
  '/billing/notices/:id/read': { post: { summary: 'Dismiss one notice (it stays stored, with its read time)', tag: 'billing', role: 'owner', ok: ok('How many were marked read', anyObject) } },
  '/billing/notices/read': { post: { summary: 'Dismiss every unread notice', tag: 'billing', role: 'owner', ok: ok('How many were marked read', anyObject) } },
  '/billing/checkout': { post: { summary: 'Start a Chargily checkout for a paid plan', tag: 'billing', role: 'owner', body: CheckoutInput, ok: ok('The checkout', anyObject, 201) } },
  '/sheet': {
    get: { summary: 'The connected Google Sheet and its sync state', tag: 'sheet', ok: ok('State', anyObject) },
    put: { summary: 'Connect a Google Sheet (service account JSON is write-only)', tag: 'sheet', role: 'admin', body: ConnectSheetInput, ok: ok('State', anyObject) },
    delete: { summary: 'Disconnect the sheet', tag: 'sheet', role: 'admin', ok: none },
  },
  '/sheet/test': { post: { summary: 'Check access to the sheet', tag: 'sheet', role: 'admin', ok: ok('Result', anyObject) } },
  '/couriers': { get: { summary: 'Your courier accounts and the couriers available', tag: 'couriers', role: 'admin', ok: ok('Couriers', obj({ couriers: arrayOf(anyObject), available: arrayOf(anyObject) })) } },
  '/couriers/:courier': { put: { summary: 'Save a courier account (credentials are write-only)', tag: 'couriers', role: 'admin', body: CourierAccountPut, ok: ok('The account', wrap('courier', anyObject)) } },
  '/couriers/:courier/webhook': {
    get: { summary: 'The tracking webhook URL to paste in the courier dashboard, and whether a secret is set', tag: 'couriers', role: 'admin', ok: ok('Webhook', wrap('webhook', anyObject)) },
    put: {
      summary: 'Save the courier\'s webhook signing secret (write-only)',
      tag: 'couriers',
      role: 'admin',
      body: CourierWebhookSecretPut,
      ok: ok('Webhook', wrap('webhook', anyObject)),
    },
  },
  '/couriers/:courier/test': { post: { summary: 'Check courier credentials', tag: 'couriers', role: 'admin', ok: ok('Result', anyObject) } },
  '/couriers/:courier/sync': { post: { summary: 'Sync the courier\'s reference data and tariffs', tag: 'couriers', role: 'admin', ok: ok('Sync report', anyObject) } },
  '/couriers/:courier/tariffs': {
    get: { summary: 'Tariffs (synced and overrides)', tag: 'couriers', role: 'admin', query: TariffQuery, ok: ok('Tariffs', wrap('tariffs', arrayOf(anyObject))) },
    put: { summary: 'Set tariff overrides', tag: 'couriers', role: 'admin', body: TariffOverridesPut, ok: ok('Overrides', wrap('tariffs', arrayOf(anyObject))) },
  },
  '/geo/wilayas': { get: { summary: 'The 69 wilayas, with the 1–58 code couriers use', tag: 'geo', ok: ok('Wilayas', wrap('wilayas', arrayOf(anyObject))) } },
  '/geo/communes': { get: { summary: 'Resolve a commune name (the resolver the agent uses)', tag: 'geo', query: communeQuery, ok: ok('Matches', anyObject) } },
};

/** `/orders/:id` → `/orders/{id}` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function queryParameters(schema: z.ZodType): Json[] {
  const s = schemaOf(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema: p }));
}

function operationObject(path: string, method: Method, op: Operation): Json {
  const params = [...path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const parameters = [...params, ...(op.query ? queryParameters(op.query) : [])];
  const responses: Json = {
    [String(op.ok.status)]: op.ok.schema ? { description: op.ok.description, content: { 'application/json': { schema: op.ok.schema } } } : { description: op.ok.description },
    400: errorResponse('invalid_input: the request does not validate'),
    401: errorResponse('unauthorized: no or a revoked API key'),
    default: errorResponse('Any other error, in the same envelope'),
  };
  if (op.role && op.role !== 'agent') responses[403] = errorResponse(`forbidden: needs the ${op.role} role`);
  if (params.length) responses[404] = errorResponse('not_found');
  return {
    operationId: `${method}${toOpenApiPath(path).replace(/[{}]/g, '').split(/[/-]/).map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('')}`,
    summary: op.summary,
    tags: [op.tag],
    ...(op.role && op.role !== 'agent' ? { 'x-min-role': op.role } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body) } } } } : {}),
    responses,
  };
}

let cached: Json | undefined;

export function openApiDocument(opts: { serverUrl?: string } = {}): Json {
  if (!cached) {
    const paths: Json = {};
    for (const [path, ops] of Object.entries(OPERATIONS)) {
      const item: Json = {};
      for (const [method, op] of Object.entries(ops) as Array<[Method, Operation]>) item[method] = operationObject(path, method, op);
      paths[toOpenApiPath(path)] = item;
    }
    paths['/openapi.json'] = {
      get: { operationId: 'getOpenApi', summary: 'This document (no authentication)', tags: ['meta'], security: [], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: anyObject } } } } },
    };
    cached = {
      openapi: '3.1.0',
      info: {
        title: 'Wakil merchant API',
        version: '1',
        description: 'JSON in and out. Amounts are integers in DZD. Errors: `{ "error": { "type", "message", "details"? } }`. Secrets are write-only.',
      },
      servers: [{ url: SERVER_PREFIX }],
      security: [{ bearerAuth: [] }, { sessionCookie: [] }],
      paths,
      components,
    };
  }
  return opts.serverUrl ? { ...cached, servers: [{ url: `${opts.serverUrl}${SERVER_PREFIX}` }] } : cached;
}

/** Served from the root router, which runs before /api/v1's authentication. */
export const openApiRoutes: RouteModule = (router, ctx) => {
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(openApiDocument({ serverUrl: ctx.config.publicBaseUrl }));
  });
};
