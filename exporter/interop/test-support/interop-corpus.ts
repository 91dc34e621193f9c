/**
 * The small knowledge base and tool the interoperability agents use. Kept here rather than
 * borrowed from examples/ so the interop tests pin their own expectations.
 */

/** One chunk: `id` is what lineage should record as `lineage.datasource.id`. */
export interface InteropChunk {
  readonly id: string;
  readonly source: string;
  readonly text: string;
}

export const INTEROP_CORPUS: readonly InteropChunk[] = [
  {
    id: 'kb-refunds#0',
    source: 'file:///kb/policies/refunds.md',
    text: 'Refunds are issued to the original payment method within 14 days after the returned item arrives.',
  },
  {
    id: 'kb-refunds#1',
    source: 'file:///kb/policies/refunds.md',
    text: 'Items bought on sale can be refunded as store credit only; shipping costs are not refunded.',
  },
  {
    id: 'kb-shipping#0',
    source: 'file:///kb/policies/shipping.md',
    text: 'Standard shipping takes three to five working days; express orders ship the same day.',
  },
];

export const INTEROP_QUESTION = 'When will I get my refund for order 42?';

/** The exact version the fake model reports for `gpt-4o`. */
export const FAKE_MODEL_VERSION = 'gpt-4o-2024-08-06';

export const ORDER_TOOL_NAME = 'order_status';
export const ORDER_TOOL_DESCRIPTION = 'Looks up the status of the order a customer question mentions.';

/** Deterministic order lookup standing in for an order service. */
export function orderStatus(query: string): string {
  const id = /\b(\d{1,10})\b/.exec(query)?.[1];
  return id === '42'
    ? 'Order 42: returned item received on 2026-11-20; refund to card pending.'
    : `No order found for "${query}".`;
}

/** Keyword retrieval (no spans: a foreign app's own code), best two chunks. */
export function retrieveChunks(question: string): InteropChunk[] {
  const words = new Set(question.toLowerCase().match(/[a-z]+/g) ?? []);
  return [...INTEROP_CORPUS]
    .map((c) => ({
      c,
      score: (c.text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => words.has(w)).length,
    }))
    .sort((a, b) => b.score - a.score || (a.c.id < b.c.id ? -1 : 1))
    .slice(0, 2)
    .map((x) => x.c);
}
