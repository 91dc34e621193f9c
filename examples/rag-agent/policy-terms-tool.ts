import { z } from 'zod';
import type { ExampleTool } from '../shared/example-tool.js';

/** Terms versions in force, as a policy administration system would report them. */
const TERMS_REGISTER = [
  { product: 'home-plus', termsVersion: '2026.2', effectiveFrom: '2026-07-01' },
  { product: 'travel-basic', termsVersion: '2025.4', effectiveFrom: '2025-12-01' },
] as const;

const argumentsSchema = z.object({ query: z.string().max(2000) });

/**
 * `lookup_policy_terms`: which terms version of which product is in force. The model is
 * given the customer's question as `query`; the product is chosen by keyword (travel
 * questions → travel-basic, anything else → home-plus).
 */
export const policyTermsTool: ExampleTool = {
  version: '1.2.0',
  definition: {
    type: 'function',
    function: {
      name: 'lookup_policy_terms',
      description:
        'Returns the policy terms version currently in force for the product the question is about.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'The customer question.' } },
        required: ['query'],
        additionalProperties: false,
      },
    },
  },
  async execute(rawArguments) {
    // The model's arguments are untrusted input: parse before use.
    const { query } = argumentsSchema.parse(JSON.parse(rawArguments));
    const product = /travel|abroad|trip/i.test(query) ? 'travel-basic' : 'home-plus';
    const terms = TERMS_REGISTER.find((t) => t.product === product);
    return JSON.stringify(terms);
  },
};
