import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

describe('GET /api/v1/geo/*', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    auth = (await newWorkspace(t.ctx)).auth;
  });
  afterAll(() => t.close());

  it('requires authentication', async () => {
    await t.http().get('/api/v1/geo/wilayas').expect(401);
  });

  it('lists the 69 wilayas with the courier number of the new ones', async () => {
    const res = await t.http().get('/api/v1/geo/wilayas').set(auth).expect(200);
    expect(res.body.wilayas).toHaveLength(69);
    expect(res.body.wilayas[15]).toEqual({ code: '16', name_fr: 'Alger', name_ar: 'الجزائر', parent: null, courier_wilaya: 16 });
    expect(res.body.wilayas[67]).toMatchObject({ code: '68', parent: '28', courier_wilaya: 28 });
  });

  it('resolves a commune within a wilaya, with codes and scores', async () => {
    const res = await t.http().get('/api/v1/geo/communes').query({ q: 'bab zouar', wilaya: '16' }).set(auth).expect(200);
    expect(res.body).toMatchObject({ query: 'bab zouar', decision: 'match', match: '1621', wilaya: { code: '16', name_fr: 'Alger', courier_wilaya: 16 } });
    expect(res.body.results[0]).toEqual({
      code: '1621',
      name_fr: 'Bab Ezzouar',
      name_ar: 'باب الزوار',
      wilaya: '16',
      wilaya_name_fr: 'Alger',
      wilaya_before: null,
      courier_wilaya: 16,
      score: expect.any(Number),
    });
    expect(res.body.results.every((r: { wilaya: string }) => r.wilaya === '16')).toBe(true);
  });

  it('answers ambiguous homonyms with every candidate and a message, and honours limit', async () => {
    const res = await t.http().get('/api/v1/geo/communes').query({ q: 'el eulma', limit: 3 }).set(auth).expect(200);
    expect(res.body.decision).toBe('ambiguous');
    expect(res.body.match).toBeNull();
    expect(res.body.message).toContain('Ask the customer for the wilaya');
    expect(res.body.results).toHaveLength(3);
    expect(res.body.results.slice(0, 2).map((r: { code: string }) => r.code).sort()).toEqual(['1920', '2304']);
  });

  it('reports the former wilaya of a commune moved in 2026', async () => {
    const res = await t.http().get('/api/v1/geo/communes').query({ q: 'بوسعادة' }).set(auth).expect(200);
    expect(res.body.results[0]).toMatchObject({ code: '2820', wilaya: '68', wilaya_before: '28', courier_wilaya: 28 });
  });

  it('400 with a clear reason when q is missing or too long', async () => {
    const res = await t.http().get('/api/v1/geo/communes').query({ wilaya: '16' }).set(auth).expect(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_input' });
    expect(res.body.error.message).toMatch(/q is required/);
    const long = await t.http().get('/api/v1/geo/communes').query({ q: 'x'.repeat(200) }).set(auth).expect(400);
    expect(long.body.error.type).toBe('invalid_input');
    await t.http().get('/api/v1/geo/communes').query({ q: 'kouba', limit: 0 }).set(auth).expect(400);
  });
});
