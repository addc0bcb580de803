import { AppError } from '../../src/errors';
import { createOrder, updateOrder, type NewOrder } from '../../src/orders/service';
import { purgeWorkspace } from '../../src/privacy/delete-workspace';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

type Ws = Awaited<ReturnType<typeof newWorkspace>>;

describe('promo codes: merchant API, and the discount orders get from them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function shop() {
    const ws = await newWorkspace(t.ctx, 'Promo Shop');
    const product = async (name: string, price: number) =>
      (await t.http().post('/api/v1/products').set(ws.auth).send({ name, price }).expect(201)).body.product.id as string;
    return { ws, odd: await product('Robe 3333', 3333), sac: await product('Sac', 2900) };
  }

  const addCode = async (ws: Ws, body: Record<string, unknown>) =>
    (await t.http().post('/api/v1/promo-codes').set(ws.auth).send(body).expect(201)).body.promo_code;

  const codeRow = (ws: Ws, code: string) => t.ctx.knex('promo_codes').where({ workspace_id: ws.workspace_id, code }).first();

  /** An order as the agent would place it: items priced by the server, the fee quoted before. */
  const order = (ws: Ws, items: NewOrder['items'], promoCode?: string | null) =>
    createOrder(
      t.ctx,
      ws.workspace_id,
      { customerName: 'Amine B', phone: '+213661400001', wilayaCode: '16', communeCode: '1601', address: 'Rue 1', deliveryType: 'home', deliveryFee: 450, items, promoCode, source: 'api' },
      'test',
    );

  /** The refusal an order gets, as the tool and the API would report it. */
  async function refusal(p: Promise<unknown>): Promise<{ type: string; message: string }> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    return { type: (e as AppError).type, message: (e as AppError).message };
  }

  it('creates, lists, changes and deletes codes; normalises the code; refuses bad input and duplicates', async () => {
    const { ws } = await shop();
    const created = await addCode(ws, { code: '  solde10 ', kind: 'percent', value: 10 });
    expect(created).toMatchObject({ code: 'SOLDE10', kind: 'percent', value: 10, min_subtotal: 0, max_uses: null, uses: 0, active: true, ends_at: null });

    const listed = (await t.http().get('/api/v1/promo-codes').set(ws.auth).expect(200)).body.promo_codes;
    expect(listed.map((c: { code: string }) => c.code)).toEqual(['SOLDE10']);

    const bad = async (body: Record<string, unknown>, path: string) => {
      const r = await t.http().post('/api/v1/promo-codes').set(ws.auth).send(body).expect(400);
      expect(r.body.error.type).toBe('invalid_input');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      return r.body.error.message as string;
    };
    expect(await bad({ code: 'SOLDE 10', kind: 'percent', value: 10 }, 'code')).toMatch(/letters.*digits/);
    await bad({ code: 'PROMO%', kind: 'percent', value: 10 }, 'code');
    await bad({ code: 'X', kind: 'percent', value: 10 }, 'code');
    expect(await bad({ code: 'MOITIE', kind: 'percent', value: 95 }, 'value')).toContain('at most 90 %');
    await bad({ code: 'ZERO', kind: 'amount', value: 0 }, 'value');
    await bad({ code: 'FRAC', kind: 'amount', value: 99.5 }, 'value');
    await bad({ code: 'BACK', kind: 'amount', value: 100, starts_at: '2026-12-10T00:00:00+01:00', ends_at: '2026-12-01T00:00:00+01:00' }, 'ends_at');

    // The same code in another case is the same code: 409 with the reason.
    const dup = await t.http().post('/api/v1/promo-codes').set(ws.auth).send({ code: 'Solde10', kind: 'amount', value: 500 }).expect(409);
    expect(dup.body.error).toMatchObject({ type: 'conflict', message: 'The code SOLDE10 already exists in this shop' });
    // A patch is checked against the stored code: 95 % of a percent code is refused.
    const over = await t.http().patch(`/api/v1/promo-codes/${created.id}`).set(ws.auth).send({ value: 95 }).expect(400);
    expect(over.body.error.message).toContain('at most 90 %');

    const other = await addCode(ws, { code: 'FIXE500', kind: 'amount', value: 500, min_subtotal: 3000, max_uses: 20, ends_at: '2027-01-31T23:59:59+01:00' });
    expect(other).toMatchObject({ code: 'FIXE500', min_subtotal: 3000, max_uses: 20 });
    expect(new Date(other.ends_at).toISOString()).toBe('2027-01-31T22:59:59.000Z');
    const renamed = await t.http().patch(`/api/v1/promo-codes/${other.id}`).set(ws.auth).send({ code: 'solde10' }).expect(409);
    expect(renamed.body.error.type).toBe('conflict');

    const off = (await t.http().patch(`/api/v1/promo-codes/${created.id}`).set(ws.auth).send({ active: false, value: 15 }).expect(200)).body.promo_code;
    expect(off).toMatchObject({ code: 'SOLDE10', active: false, value: 15 });

    await t.http().delete(`/api/v1/promo-codes/${created.id}`).set(ws.auth).expect(204);
    await t.http().delete(`/api/v1/promo-codes/${created.id}`).set(ws.auth).expect(404);
    expect((await t.http().get('/api/v1/promo-codes').set(ws.auth).expect(200)).body.promo_codes.map((c: { code: string }) => c.code)).toEqual(['FIXE500']);

    const audit = await t.ctx.knex('audit_log').where({ workspace_id: ws.workspace_id }).whereLike('action', 'promo_code.%').orderBy('created_at').pluck('action');
    expect(audit).toEqual(['promo_code.created', 'promo_code.created', 'promo_code.updated', 'promo_code.deleted']);
  });

  it('keeps codes inside their workspace: another shop can neither see, change, delete nor use them', async () => {
    const a = await shop();
    const b = await shop();
    const code = await addCode(a.ws, { code: 'SHOPA20', kind: 'percent', value: 20 });

    expect((await t.http().get('/api/v1/promo-codes').set(b.ws.auth).expect(200)).body.promo_codes).toEqual([]);
    const patched = await t.http().patch(`/api/v1/promo-codes/${code.id}`).set(b.ws.auth).send({ value: 90 }).expect(404);
    expect(patched.body.error.type).toBe('not_found');
    await t.http().delete(`/api/v1/promo-codes/${code.id}`).set(b.ws.auth).expect(404);
    await t.http().patch('/api/v1/promo-codes/not-a-uuid').set(b.ws.auth).send({ value: 5 }).expect(404);
    expect(await codeRow(a.ws, 'SHOPA20')).toMatchObject({ value: 20, uses: 0 });

    // Shop B orders its own product with shop A's code: unknown there, and A's count is untouched.
    expect(await refusal(order(b.ws, [{ product_id: b.sac, quantity: 1 }], 'SHOPA20'))).toEqual({
      type: 'invalid_input',
      message: 'The promo code "SHOPA20" does not exist in this shop',
    });
    expect((await codeRow(a.ws, 'SHOPA20')).uses).toBe(0);
    expect(await t.ctx.knex('orders').where({ workspace_id: b.ws.workspace_id }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('is in the workspace export and goes with the workspace purge (the tenant tables come from the catalog)', async () => {
    const a = await shop();
    const b = await shop();
    await addCode(a.ws, { code: 'EXPORTA', kind: 'amount', value: 200 });
    await addCode(b.ws, { code: 'EXPORTB', kind: 'amount', value: 200 });
    const res = await t.http().get('/api/v1/export').set(a.ws.auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body as string);
    expect(doc.tables.promo_codes).toEqual([expect.objectContaining({ code: 'EXPORTA', value: 200 })]);

    const deleted = await purgeWorkspace(t.ctx, a.ws.workspace_id);
    expect(deleted.promo_codes).toBe(1);
    expect(await codeRow(a.ws, 'EXPORTA')).toBeUndefined();
    expect(await codeRow(b.ws, 'EXPORTB')).toMatchObject({ value: 200 });
  });

  it('discounts the items only: total = subtotal − discount + fee, percent floored, amount capped at the subtotal', async () => {
    const s = await shop();
    await addCode(s.ws, { code: 'DIX', kind: 'percent', value: 10 });
    await addCode(s.ws, { code: 'GROS', kind: 'amount', value: 5000 });

    const pct = await order(s.ws, [{ product_id: s.odd, quantity: 1 }], ' dix ');
    // 10 % of 3333 is 333.3: floored to 333, in whole DZD.
    expect(pct).toMatchObject({ subtotal: 3333, discount: 333, promo_code: 'DIX', delivery_fee: 450, total: 3333 - 333 + 450 });

    // 5000 DA off a 2900 DA bag: the discount stops at the items, the delivery fee is still paid.
    const capped = await order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'GROS');
    expect(capped).toMatchObject({ subtotal: 2900, discount: 2900, delivery_fee: 450, total: 450 });

    const none = await order(s.ws, [{ product_id: s.sac, quantity: 1 }]);
    expect(none).toMatchObject({ discount: 0, promo_code: null, total: 3350 });

    // The merchant API shows the same figures.
    const viaApi = (await t.http().get(`/api/v1/orders/${pct.id}`).set(s.ws.auth).expect(200)).body.order;
    expect(viaApi).toMatchObject({ subtotal: 3333, discount: 333, promo_code: 'DIX', total: 3450 });
    const audit = await t.ctx.knex('audit_log').where({ target: pct.id, action: 'order.created' }).first();
    expect(audit.data).toEqual({ total: 3450, promo_code: 'DIX', discount: 333 });
    expect((await codeRow(s.ws, 'DIX')).uses).toBe(1);
  });

  it('refuses a code with a reason: minimum subtotal, used up (also under a race), expired, not started, deactivated', async () => {
    const s = await shop();
    await addCode(s.ws, { code: 'MIN5000', kind: 'amount', value: 500, min_subtotal: 5000 });
    const below = await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'MIN5000'));
    expect(below).toEqual({ type: 'invalid_input', message: 'The promo code MIN5000 needs a subtotal of at least 5000 DA (items, delivery not included)' });
    expect((await codeRow(s.ws, 'MIN5000')).uses).toBe(0);
    // Two bags reach the minimum.
    expect(await order(s.ws, [{ product_id: s.sac, quantity: 2 }], 'MIN5000')).toMatchObject({ subtotal: 5800, discount: 500, total: 5750 });

    await addCode(s.ws, { code: 'UNEFOIS', kind: 'amount', value: 300, max_uses: 1 });
    await order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'UNEFOIS');
    expect(await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'unefois'))).toEqual({ type: 'invalid_input', message: 'The promo code UNEFOIS has been used up' });
    expect((await codeRow(s.ws, 'UNEFOIS')).uses).toBe(1);

    // Two orders race for the last use of a code: exactly one gets it, and nothing is left half-made.
    await addCode(s.ws, { code: 'DERNIER', kind: 'amount', value: 300, max_uses: 1 });
    const race = await Promise.allSettled([1, 2].map(() => order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'DERNIER')));
    expect(race.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((race.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AppError).message).toBe('The promo code DERNIER has been used up');
    expect((await codeRow(s.ws, 'DERNIER')).uses).toBe(1);
    expect(await t.ctx.knex('orders').where({ workspace_id: s.ws.workspace_id, promo_code: 'DERNIER' }).count('* as n').first()).toEqual({ n: 1 });

    await addCode(s.ws, { code: 'NOEL2025', kind: 'percent', value: 20, ends_at: '2025-12-31T23:59:59+01:00' });
    expect((await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'NOEL2025'))).message).toBe('The promo code NOEL2025 expired on 2025-12-31');

    await addCode(s.ws, { code: 'FUTUR', kind: 'percent', value: 20, starts_at: '2099-01-01T00:00:00+01:00' });
    expect((await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'FUTUR'))).message).toBe('The promo code FUTUR is not valid yet: it starts on 2099-01-01');

    const off = await addCode(s.ws, { code: 'ARRET', kind: 'percent', value: 20 });
    await t.http().patch(`/api/v1/promo-codes/${off.id}`).set(s.ws.auth).send({ active: false }).expect(200);
    expect((await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'ARRET'))).message).toBe('The promo code ARRET is no longer active');

    expect((await refusal(order(s.ws, [{ product_id: s.sac, quantity: 1 }], 'PROMO 50%'))).message).toBe('The promo code "PROMO 50%" does not exist in this shop');
  });

  it('update_order recomputes the discount on new items, adds, changes and removes a code', async () => {
    const s = await shop();
    await addCode(s.ws, { code: 'DIX', kind: 'percent', value: 10 });
    await addCode(s.ws, { code: 'MIN5000', kind: 'amount', value: 500, min_subtotal: 5000, max_uses: 5 });
    const ws = s.ws.workspace_id;

    const first = await order(s.ws, [{ product_id: s.odd, quantity: 1 }], 'DIX');
    expect(first).toMatchObject({ discount: 333, total: 3450 });
    const doubled = await updateOrder(t.ctx, ws, first.id, { items: [{ product_id: s.odd, quantity: 2 }] }, 'test');
    // 10 % of 6666 = 666.6 → 666; the code is not counted a second time.
    expect(doubled).toMatchObject({ subtotal: 6666, discount: 666, promo_code: 'DIX', total: 6666 - 666 + 450 });
    expect((await codeRow(s.ws, 'DIX')).uses).toBe(1);
    // A change that does not touch the items keeps the discount, even once the code is deactivated.
    await t.ctx.knex('promo_codes').where({ workspace_id: ws, code: 'DIX' }).update({ active: false });
    expect(await updateOrder(t.ctx, ws, first.id, { address: 'Rue 2', deliveryFee: 700 }, 'test')).toMatchObject({ discount: 666, total: 6666 - 666 + 700 });

    // Switching to a code with a minimum: checked in full, counted once.
    const big = await updateOrder(t.ctx, ws, first.id, { promoCode: 'min5000' }, 'test');
    expect(big).toMatchObject({ promo_code: 'MIN5000', discount: 500, total: 6666 - 500 + 700 });
    expect((await codeRow(s.ws, 'MIN5000')).uses).toBe(1);
    const audit = await t.ctx.knex('audit_log').where({ target: first.id, action: 'order.updated' }).orderBy('created_at', 'desc').first();
    expect(audit.data).toMatchObject({ promo_code: 'MIN5000', previous_promo_code: 'DIX', discount: 500 });

    // Fewer items than the code's minimum: refused with the reason, the order unchanged.
    const shrink = await refusal(updateOrder(t.ctx, ws, first.id, { items: [{ product_id: s.odd, quantity: 1 }] }, 'test'));
    expect(shrink).toEqual({ type: 'invalid_input', message: 'The promo code MIN5000 needs a subtotal of at least 5000 DA (items, delivery not included)' });
    expect((await t.http().get(`/api/v1/orders/${first.id}`).set(s.ws.auth).expect(200)).body.order).toMatchObject({ subtotal: 6666, discount: 500, total: 6866 });

    // Removing the code (null) brings the full price back; then the smaller order goes through.
    const removed = await updateOrder(t.ctx, ws, first.id, { promoCode: null, items: [{ product_id: s.odd, quantity: 1 }] }, 'test');
    expect(removed).toMatchObject({ promo_code: null, discount: 0, subtotal: 3333, total: 3333 + 700 });

    // A code added to an order that had none is checked and counted.
    const plain = await order(s.ws, [{ product_id: s.sac, quantity: 2 }]);
    expect(await updateOrder(t.ctx, ws, plain.id, { promoCode: 'MIN5000' }, 'test')).toMatchObject({ discount: 500, total: 5800 - 500 + 450 });
    expect((await codeRow(s.ws, 'MIN5000')).uses).toBe(2);
    expect((await refusal(updateOrder(t.ctx, ws, plain.id, { promoCode: 'NOPE' }, 'test'))).message).toBe('The promo code "NOPE" does not exist in this shop');
  });
});
