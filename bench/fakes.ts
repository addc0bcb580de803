import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest as ModelRequest } from '../test/fakes/anthropic-server';
import { FakeGraph, type RecordedRequest as GraphRequest } from '../test/fakes/graph-server';
import { stampArrivals, type Arrivals } from './arrivals';

/** A reply with no digits: the agent's integrity check only lets amounts from tool results through. */
export const SHORT_REPLY = 'Salam! Kifech n9der n3awnek?';

export interface TurnFakes {
  ai: FakeAnthropic;
  graph: FakeGraph;
  modelArrivals: Arrivals<ModelRequest>;
  graphArrivals: Arrivals<GraphRequest>;
  /** What a Wakil process needs to talk to these fakes, with the debounce off. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The fake model and the fake Graph API in the bench process, arrival-stamped. The model answers
 * every request at once with a short text (a zero-latency model), unless a suite scripts it.
 */
export async function startTurnFakes(): Promise<TurnFakes> {
  const ai = await startFakeAnthropic();
  const graph = await new FakeGraph().start();
  ai.fallback(() => ({ content: [{ type: 'text', text: SHORT_REPLY }] }));
  return {
    ai,
    graph,
    modelArrivals: stampArrivals(ai.requests),
    graphArrivals: stampArrivals(graph.requests),
    env: { ANTHROPIC_BASE_URL: ai.url, ANTHROPIC_API_KEY: 'bench', META_GRAPH_BASE_URL: graph.baseUrl, AGENT_DEBOUNCE_MS: '0' },
    async close() {
      await ai.close();
      await graph.stop();
    },
  };
}

/** The customer a WhatsApp message send is addressed to (digits only), or undefined for other requests. */
export function sendRecipient(r: GraphRequest): string | undefined {
  if (r.method !== 'POST' || !r.path.endsWith('/messages')) return undefined;
  const b = (r.body ?? {}) as { to?: string; status?: string };
  // A read receipt is also a POST to /messages; it is not a reply.
  return b.status ? undefined : b.to?.replace(/^\+/, '');
}

export const isSendTo = (phone: string) => (r: GraphRequest) => sendRecipient(r) === phone;

/** The conversation a model request belongs to (the agent passes it as metadata.user_id). */
export const conversationOfModelRequest = (r: ModelRequest): string | undefined => (r.body.metadata as { user_id?: string } | undefined)?.user_id;
