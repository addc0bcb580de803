import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedReply {
  status: number;
  body: unknown;
}

/**
 * A local Meta Graph API: records every request, answers sends in the real response shapes,
 * serves media (WhatsApp two-step with Bearer, CDN URLs without), and replays scripted errors
 * (the Graph error envelope) for the next matching requests.
 */
export class FakeGraph {
  readonly requests: RecordedRequest[] = [];
  private server!: http.Server;
  private script: Array<{ match: (r: RecordedRequest) => boolean; reply: ScriptedReply }> = [];
  private seq = 0;
  readonly media = new Map<string, { bytes: Buffer; mime: string }>();
  readonly tokens = new Set<string>(); // empty = any token accepted
  baseUrl = '';
  /** The Meta app every token belongs to (`GET /app`). */
  readonly appId = '987654321012345';
  /** Page / IG account / WABA id → app id → subscribed fields (`/{id}/subscribed_apps`; [] for a WABA). */
  readonly subscribedApps = new Map<string, Map<string, string[]>>();
  /** Accounts whose token lacks pages_manage_metadata (whatsapp_business_management for a WABA): subscribed_apps answers (#200). */
  readonly refuseSubscriptions = new Set<string>();
  /**
   * Ids that are WhatsApp Business Accounts: their subscribed_apps edge speaks the WABA format
   * (no subscribed_fields; GET nests each app under `whatsapp_business_api_data`).
   */
  readonly wabas = new Set<string>();

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The next `times` requests matching `match` get `reply` instead of the normal answer. */
  fail(match: (r: RecordedRequest) => boolean, reply: ScriptedReply, times = 1): void {
    for (let i = 0; i < times; i++) this.script.push({ match, reply });
  }

  static graphError(code: number, message: string, status = 400, subcode?: number): ScriptedReply {
    return { status, body: { error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEf123' } } };
  }

  /** Our app's subscribed fields on an account, or undefined when it is not subscribed. */
  subscription(accountId: string): string[] | undefined {
    return this.subscribedApps.get(accountId)?.get(this.appId);
  }

  /** What Meta does after ~1 h of failed deliveries ("Webhooks Disabled"): our app is unsubscribed. */
  dropSubscription(accountId: string): void {
    this.subscribedApps.get(accountId)?.delete(this.appId);
  }

  sends(accountPath?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && (!accountPath || r.path.includes(accountPath)));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.baseUrl);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep text */
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      this.requests.push(rec);
      const json = (status: number, b: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      const idx = this.script.findIndex((s) => s.match(rec));
      if (idx >= 0) {
        const [s] = this.script.splice(idx, 1);
        return json(s!.reply.status, s!.reply.body);
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;

      // CDN (Messenger/IG attachments): no token needed.
      const cdn = /^\/cdn\/(.+)$/.exec(url.pathname);
      if (cdn) {
        const m = this.media.get(cdn[1]!);
        if (!m) return json(404, {});
        res.writeHead(200, { 'content-type': m.mime });
        return res.end(m.bytes);
      }
      if (!token || (this.tokens.size && !this.tokens.has(token))) {
        return json(401, FakeGraph.graphError(190, 'Error validating access token: Session has expired', 401).body);
      }
      // WhatsApp lookaside download: needs the Bearer token and a User-Agent.
      const look = /^\/lookaside\/(.+)$/.exec(url.pathname);
      if (look) {
        const m = this.media.get(look[1]!);
        if (!m || !req.headers['user-agent']) return json(404, {});
        res.writeHead(200, { 'content-type': m.mime });
        return res.end(m.bytes);
      }
      const parts = url.pathname.split('/').filter(Boolean); // [version, id, edge?]
      if (rec.method === 'POST' && parts[2] === 'messages') {
        const b = (body ?? {}) as Record<string, unknown>;
        this.seq += 1;
        if (b.messaging_product === 'whatsapp') {
          if (b.status === 'read') return json(200, { success: true });
          return json(200, { messaging_product: 'whatsapp', contacts: [{ input: b.to ?? b.recipient, wa_id: String(b.to ?? '').replace('+', '') }], messages: [{ id: `wamid.FAKE${this.seq}` }] });
        }
        const recipient = (b.recipient as { id?: string } | undefined)?.id;
        if (b.sender_action) return json(200, { recipient_id: recipient });
        return json(200, { recipient_id: recipient, message_id: `m_FAKE${this.seq}` });
      }
      if (rec.method === 'GET' && parts.length === 2 && parts[1] === 'app') {
        return json(200, { link: `https://www.facebook.com/games/?app_id=${this.appId}`, name: 'Wakil', id: this.appId });
      }
      if (parts.length === 3 && parts[2] === 'subscribed_apps' && (rec.method === 'GET' || rec.method === 'POST')) {
        const accountId = parts[1]!;
        const waba = this.wabas.has(accountId);
        if (this.refuseSubscriptions.has(accountId)) {
          const message = waba
            ? '(#200) To subscribe an app to this WhatsApp Business Account, the whatsapp_business_management permission is needed'
            : 'To subscribe to the messages field, one of these permissions is needed: pages_manage_metadata';
          return json(403, FakeGraph.graphError(200, message, 403).body);
        }
        const apps = this.subscribedApps.get(accountId) ?? new Map<string, string[]>();
        if (waba) {
          if (rec.method === 'GET') {
            return json(200, { data: [...apps.keys()].map((id) => ({ whatsapp_business_api_data: { id, link: `https://www.facebook.com/games/?app_id=${id}`, name: id === this.appId ? 'Wakil' : 'Other app' } })) });
          }
          apps.set(this.appId, []);
          this.subscribedApps.set(accountId, apps);
          return json(200, { success: true });
        }
        if (rec.method === 'GET') {
          return json(200, { data: [...apps].map(([id, fields]) => ({ category: 'Business', link: `https://www.facebook.com/games/?app_id=${id}`, name: id === this.appId ? 'Wakil' : 'Other app', id, subscribed_fields: fields })) });
        }
        const fields = (rec.query.subscribed_fields ?? '').split(',').filter(Boolean);
        if (!fields.length) return json(400, FakeGraph.graphError(100, '(#100) The parameter subscribed_fields is required.', 400).body);
        apps.set(this.appId, fields);
        this.subscribedApps.set(accountId, apps);
        return json(200, { success: true });
      }
      if (rec.method === 'GET' && parts.length === 2) {
        const id = parts[1]!;
        const m = this.media.get(id);
        if (m) return json(200, { messaging_product: 'whatsapp', url: `${this.baseUrl}/lookaside/${id}`, mime_type: m.mime, sha256: 'x', file_size: m.bytes.length, id });
        return json(200, { id, name: 'Boutique Test', verified_name: 'Boutique Test', display_phone_number: '213770123456', username: 'boutique.test' });
      }
      return json(404, FakeGraph.graphError(100, 'Unsupported request', 400).body);
    });
  }
}
