import type express from 'express';
import { z } from 'zod';
import { ProductInput } from '../../src/catalog/products';
import { createApp } from '../../src/web/app';
import { toOpenApiPath } from '../../src/web/openapi';
import { startTestApp, type TestApp } from '../support/harness';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouteLayer[] } & ((...a: unknown[]) => unknown);
  slash?: boolean;
  matchers?: Array<(path: string) => unknown>;
}

/** The api router: the one mounted at /api/v1 (not at the root), found in the app's own stack. */
function apiRouter(app: express.Express): RouteLayer['handle'] & { stack: RouteLayer[] } {
  const stack = (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  const mounted = stack.filter((l) => l.handle.stack && !l.slash && l.matchers?.[0]?.('/api/v1/x'));
  expect(mounted).toHaveLength(1);
  return mounted[0]!.handle as RouteLayer['handle'] & { stack: RouteLayer[] };
}

/** Every METHOD + path registered on the merchant API router, as express registered them. */
function registeredRoutes(app: express.Express): Array<{ method: string; path: string }> {
  return apiRouter(app)
    .stack.filter((l) => l.route)
    .flatMap((l) => Object.keys(l.route!.methods).filter((m) => l.route!.methods[m] && m !== '_all').map((method) => ({ method, path: l.route!.path })));
}

function undocumented(app: express.Express, doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return registeredRoutes(app)
    .filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method])
    .map((r) => `${r.method.toUpperCase()} /api/v1${r.path}`);
}

describe('OpenAPI document at /api/v1/openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is served without authentication, as valid JSON, OpenAPI 3.1 with bearer auth', async () => {
    const res = await t.http().get('/api/v1/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toContainEqual({ bearerAuth: [] });
    expect(doc.paths['/openapi.json'].get.security).toEqual([]);
    // The authenticated API next to it still refuses anonymous calls.
    const denied = await t.http().get('/api/v1/orders').expect(401);
    expect(denied.body.error.type).toBe('unauthorized');
  });

  it('documents every route registered on the merchant API router', async () => {
    const doc = (await t.http().get('/api/v1/openapi.json').expect(200)).body;
    const routes = registeredRoutes(t.app);
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContainEqual({ method: 'patch', path: '/orders/:id' });
    expect(undocumented(t.app, doc)).toEqual([]);
  });

  it('a route added without documentation is caught', async () => {
    const doc = (await t.http().get('/api/v1/openapi.json').expect(200)).body;
    const app = createApp(t.ctx);
    (apiRouter(app) as unknown as express.Router).get('/reports/secret-new-route', (_req, res) => void res.json({}));
    expect(undocumented(app, doc)).toEqual(['GET /api/v1/reports/secret-new-route']);
  });

  it('request bodies come from the routes\' zod schemas; errors and orders have their fixed shapes', async () => {
    const doc = (await t.http().get('/api/v1/openapi.json').expect(200)).body;
    const productBody = doc.paths['/products'].post.requestBody.content['application/json'].schema;
    const { $schema: _drop, ...expected } = z.toJSONSchema(ProductInput, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    expect(productBody).toEqual(expected);
    expect(productBody.required).toEqual(expect.arrayContaining(['name', 'price']));
    expect(doc.paths['/conversations/{id}/messages'].post.requestBody.content['application/json'].schema.properties.text.type).toBe('string');
    expect(doc.paths['/orders'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'from', 'limit']));

    const err = doc.components.schemas.Error;
    expect(err.required).toEqual(['error']);
    expect(err.properties.error.required).toEqual(['type', 'message']);
    expect(err.properties.error.properties.type.enum).toContain('invalid_input');
    expect(doc.paths['/orders/{id}'].get.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });

    const order = doc.components.schemas.Order;
    expect(order.required).toEqual(expect.arrayContaining(['id', 'status', 'total', 'items', 'customer', 'shipment']));
    expect(order.properties.total.type).toBe('integer');
    expect(doc.components.schemas.Shipment.required).toEqual(['courier', 'tracking', 'status', 'error']);
    expect(doc.paths['/orders/{id}'].get.responses['200'].content['application/json'].schema).toEqual({
      type: 'object', properties: { order: { $ref: '#/components/schemas/Order' } }, required: ['order'],
    });
  });
});
