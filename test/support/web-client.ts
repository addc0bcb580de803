import request from 'supertest';
import type { Express } from 'express';

/**
 * A browser-like client for the settings pages: keeps cookies (supertest agent) and reads the
 * CSRF token from the last page, as a form would carry it.
 */
export class WebClient {
  readonly agent: ReturnType<typeof request.agent>;
  csrf = '';
  constructor(app: Express) {
    this.agent = request.agent(app);
  }

  async get(path: string) {
    const res = await this.agent.get(path);
    const m = /<meta name="csrf-token" content="([^"]*)">/.exec(res.text ?? '');
    if (m) this.csrf = m[1]!;
    return res;
  }

  /** Submits a form the way the page does: urlencoded, with the page's `_csrf`. */
  async post(path: string, fields: Record<string, string> = {}, opts: { csrf?: string | null } = {}) {
    const body: Record<string, string> = { ...fields };
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (token !== null) body._csrf = token;
    const res = await this.agent.post(path).type('form').send(body);
    const m = /<meta name="csrf-token" content="([^"]*)">/.exec(res.text ?? '');
    if (m) this.csrf = m[1]!;
    return res;
  }

  async signUp(v: { shop: string; email: string; password?: string; locale?: string }) {
    await this.get('/signup');
    return this.post('/signup', { shop_name: v.shop, name: 'Amina', email: v.email, password: v.password ?? 'correct horse battery', locale: v.locale ?? 'fr' });
  }

  async logIn(email: string, password = 'correct horse battery') {
    await this.get('/login');
    return this.post('/login', { email, password });
  }
}

let n = 0;
export const uniqueEmail = (tag = 'user') => `${tag}-${process.pid}-${Date.now()}-${++n}@example.test`;
