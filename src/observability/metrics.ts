import client from 'prom-client';

/** One Prometheus registry per app instance (tests run several apps in one process). */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpRequests = new client.Counter({
    name: 'wakil_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const webhookEvents = new client.Counter({
    name: 'wakil_webhook_events_total',
    help: 'Inbound webhook events by source and outcome (stored, duplicate, unknown_account, rejected)',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const jobsFailed = new client.Counter({
    name: 'wakil_jobs_failed_total',
    help: 'Job attempts that threw',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  // Filled at scrape time from the queue's own tables (see src/web/app.ts /metrics).
  const jobs = new client.Gauge({
    name: 'wakil_jobs',
    help: 'Jobs by queue and state; queues named <job>__dead hold jobs that exhausted their retries',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  // How many inbound messages shared one write (src/conversations/inbound-writer.ts): 1 when
  // traffic is light, more under load; a batch that fails and is retried message by message counts
  // once per attempt.
  const inboundBatch = new client.Histogram({
    name: 'wakil_inbound_batch_messages',
    help: 'Inbound messages stored per database write',
    buckets: [1, 2, 4, 8, 16, 32, 64, 100],
    registers: [registry],
  });
  return { registry, httpRequests, webhookEvents, jobsFailed, jobs, inboundBatch };
}

export type Metrics = ReturnType<typeof createMetrics>;
