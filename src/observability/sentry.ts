import * as Sentry from '@sentry/node';
import { scrubText } from './logger';

const SENSITIVE_KEY = /pass|secret|token|auth|cookie|card|iban|phone|email|address|name|text|body|content|message|api[-_]?key|signature|service_account|credentials/i;

function scrubObject(o: unknown, depth = 0): unknown {
  if (typeof o === 'string') return scrubText(o);
  if (!o || typeof o !== 'object' || depth > 8) return o;
  if (Array.isArray(o)) return o.map((v) => scrubObject(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = SENSITIVE_KEY.test(k) ? '[Filtered]' : scrubObject(v, depth + 1);
  return out;
}

/** Console breadcrumbs carry log lines; HTTP breadcrumbs carry full URLs (Graph's ?access_token=). */
function scrubBreadcrumb(b: Sentry.Breadcrumb): Sentry.Breadcrumb | null {
  if (b.category === 'console') return null;
  const data = scrubObject(b.data) as Record<string, unknown> | undefined;
  if (data) {
    for (const k of ['url', 'http.url', 'to', 'from']) if (typeof data[k] === 'string') data[k] = (data[k] as string).split('?')[0];
    delete data['http.query'];
    delete data['http.fragment'];
  }
  return { ...b, message: b.message ? scrubText(b.message) : b.message, data };
}

/**
 * Defence in depth behind dataCollection: drops bodies, cookies, query strings, IPs and user
 * details, and scrubs phone numbers and bearer tokens out of messages and stack frames.
 */
export function scrubEvent<E extends Sentry.ErrorEvent>(event: E): E {
  if (event.request) {
    delete event.request.data;
    delete event.request.cookies;
    delete event.request.query_string;
    if (event.request.url) event.request.url = event.request.url.split('?')[0];
    const h = event.request.headers ?? {};
    event.request.headers = Object.fromEntries(
      Object.entries(h).filter(([k]) => ['content-type', 'user-agent'].includes(k.toLowerCase())),
    );
  }
  event.user = undefined;
  if (event.message) event.message = scrubText(event.message);
  for (const ex of event.exception?.values ?? []) {
    if (ex.value) ex.value = scrubText(ex.value);
    for (const f of ex.stacktrace?.frames ?? []) {
      delete f.vars;
      delete f.pre_context;
      delete f.context_line;
      delete f.post_context;
    }
  }
  event.extra = scrubObject(event.extra) as E['extra'];
  event.contexts = scrubObject(event.contexts) as E['contexts'];
  event.tags = scrubObject(event.tags) as E['tags'];
  event.breadcrumbs = event.breadcrumbs?.map(scrubBreadcrumb).filter((b): b is Sentry.Breadcrumb => b !== null);
  return event;
}

/** Sentry only when SENTRY_DSN is set, configured so v11's permissive defaults collect nothing personal. */
export function initSentry(dsn: string | undefined, environment: string, extra: Partial<Sentry.NodeOptions> = {}): boolean {
  if (!dsn) return false;
  Sentry.init({
    dsn,
    environment,
    sendClientReports: false,
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: { request: { allow: ['content-type', 'user-agent'] }, response: false },
      httpBodies: [],
      urlQueryParams: false,
      genAI: { inputs: false, outputs: false },
      mcp: { inputs: false, outputs: false },
      databaseQueryData: false,
      graphQL: { document: false, variables: false },
      stackFrameVariables: false,
      frameContextLines: 0,
    },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: scrubBreadcrumb,
    ...extra,
  } as Sentry.NodeOptions);
  return true;
}

/**
 * Reports a server-side failure (a 5xx) to Sentry; a no-op when Sentry is not initialised.
 * expressIntegration() also captures at throw time, but only when its loader hooks ran before
 * express was loaded (not under jest, nor if an import order changes); the SDK drops the second
 * capture of the same Error object, so calling this from the error handler never double-reports.
 */
export function reportError(err: unknown, context: { requestId?: string; route?: string } = {}): void {
  if (!Sentry.isInitialized()) return;
  Sentry.captureException(err, { tags: { route: context.route ?? 'unmatched' }, extra: { requestId: context.requestId } });
}
