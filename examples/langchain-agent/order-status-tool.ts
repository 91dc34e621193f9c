import { tool } from '@langchain/core/tools';
import { z } from 'zod';

/** Deterministic order records the tool answers from (stands in for an order service). */
const ORDERS: Readonly<Record<string, string>> = {
  '42': 'Order 42: returned item received at the warehouse on 2026-11-20; refund to card pending.',
};

/** The example's one tool: looks up the status of the order a question mentions. */
export const orderStatusTool = tool(
  async ({ query }: { query: string }) => {
    const id = /\b(\d{1,10})\b/.exec(query)?.[1];
    return (id !== undefined ? ORDERS[id] : undefined) ?? `No order found for "${query}".`;
  },
  {
    name: 'order_status',
    description: 'Looks up the current status of a customer order mentioned in the question.',
    schema: z.object({ query: z.string().describe('the customer question, including the order number') }),
  },
);
