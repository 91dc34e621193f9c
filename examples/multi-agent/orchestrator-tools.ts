import { z } from 'zod';
import { injectRunContext } from '../../src/index.js';
import type { ExampleTool } from '../shared/example-tool.js';
import type { QueueRequester } from './queue-requester.js';
import { type SubAgentReply, subAgentReplySchema } from './sub-agent-messages.js';

const argumentsSchema = z.object({ query: z.string().min(1).max(4000) });

const questionParameters = {
  type: 'object',
  properties: { query: { type: 'string', description: 'The question to hand over.' } },
  required: ['query'],
  additionalProperties: false,
} as const;

/** Which transport reached a sub-agent. */
export type SubAgentTransport = 'http' | 'queue';

/** Called with every sub-agent reply, so the orchestrator can report the runs it spawned. */
export type ReplySink = (transport: SubAgentTransport, reply: SubAgentReply) => void;

/**
 * `ask_policy_agent`: hands the question to the policy sub-agent over HTTP. The request
 * carries the active context (the orchestrator's tool span) as W3C `traceparent` and
 * `baggage`, so the sub-agent's run is linked `spawned_by` this tool call; the tool's
 * result — the sub-agent's answer — is what the orchestrator's next model call consumes.
 */
export function askPolicyAgentTool(url: string, onReply: ReplySink): ExampleTool {
  return {
    version: '1.0.0',
    definition: {
      type: 'function',
      function: {
        name: 'ask_policy_agent',
        description: 'Asks the policy agent what the policy terms say about the question.',
        parameters: questionParameters,
      },
    },
    async execute(rawArguments) {
      const { query } = argumentsSchema.parse(JSON.parse(rawArguments));
      const headers = injectRunContext<Record<string, string>>({ 'content-type': 'application/json' });
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ question: query }) });
      if (!res.ok) throw new Error(`policy agent answered ${res.status}: ${await res.text()}`);
      const reply = subAgentReplySchema.parse(await res.json());
      onReply('http', reply);
      return reply.answer;
    },
  };
}

/** `ask_claims_history_agent`: hands the question to the claims-history sub-agent through the queue. */
export function askClaimsHistoryAgentTool(requester: QueueRequester, onReply: ReplySink): ExampleTool {
  return {
    version: '1.0.0',
    definition: {
      type: 'function',
      function: {
        name: 'ask_claims_history_agent',
        description: 'Asks the claims-history agent how similar past claims were decided.',
        parameters: questionParameters,
      },
    },
    async execute(rawArguments) {
      const { query } = argumentsSchema.parse(JSON.parse(rawArguments));
      const reply = await requester.ask({ question: query });
      onReply('queue', reply);
      return reply.answer;
    },
  };
}
