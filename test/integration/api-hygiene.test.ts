import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

describe('API hygiene: per-key rate limit and usage log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => t.close());

  it('limits each key per minute with Retry-After, independently of other keys', async () => {
    const a = await newWorkspace(t.ctx);
    const b = await newWorkspace(t.ctx);
    // Aligning to the start of a window would make this flaky; three calls fit in any window
    // unless one straddles the minute, in which case the fourth is simply allowed: so retry once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await t.http().get('/api/v1/workspace').set(a.auth);
        statuses.push(last.status);
      }
      if (statuses[3] === 429) {
        expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
        expect(last!.body.error.type).toBe('rate_limited');
        expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
        break;
      }
      if (attempt === 1) throw new Error(`never limited: ${statuses}`);
    }
    await t.http().get('/api/v1/workspace').set(b.auth).expect(200);
  });

  it('logs endpoint, key and status of every API call, without bodies', async () => {
    const a = await newWorkspace(t.ctx);
    await t.http().get('/api/v1/workspace').set(a.auth).expect(200);
    await t.http().delete('/api/v1/api-keys/not-a-uuid').set(a.auth).expect(404);
    const deadline = Date.now() + 5000;
    let rows: Array<{ route: string; status: number; api_key_id: string | null; method: string }> = [];
    while (Date.now() < deadline && rows.length < 2) {
      rows = await t.ctx.knex('api_usage_log').where({ workspace_id: a.workspace_id }).orderBy('id');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows.map((r) => [r.method, r.route, r.status])).toEqual([
      ['GET', '/api/v1/workspace', 200],
      ['DELETE', '/api/v1/api-keys/:id', 404],
    ]);
    expect(rows[0]!.api_key_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
