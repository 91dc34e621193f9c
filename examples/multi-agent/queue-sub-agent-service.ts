import type OpenAI from 'openai';
import { withExtractedContext } from '../../src/index.js';
import type { VectorIndex } from '../shared/vector-index.js';
import type { InProcessQueue } from './in-process-queue.js';
import { runSubAgent, type SubAgentSpec } from './run-sub-agent.js';
import { type SubAgentReply, type SubAgentRequest, subAgentRequestSchema } from './sub-agent-messages.js';

/** Attribute naming the request a reply answers. */
export const CORRELATION_ID = 'correlation-id';

/** Body of a reply message: the sub-agent's reply, or why there is none. */
export type QueueReply =
  | { readonly ok: true; readonly reply: SubAgentReply }
  | { readonly ok: false; readonly error: string };

/**
 * Starts a sub-agent consuming `requests` and answering on `replies` (correlated by the
 * request's message id). Each message is handled inside the run context extracted from
 * its attributes (`traceparent`, `baggage`), so the sub-agent's run is linked
 * `spawned_by` the publisher's tool span. Returns a function that stops consuming.
 */
export function startQueueSubAgentService(options: {
  readonly client: OpenAI;
  readonly spec: SubAgentSpec;
  readonly index: VectorIndex;
  readonly requests: InProcessQueue<SubAgentRequest>;
  readonly replies: InProcessQueue<QueueReply>;
}): () => void {
  return options.requests.subscribe((message) =>
    withExtractedContext(message.attributes, async () => {
      let body: QueueReply;
      const parsed = subAgentRequestSchema.safeParse(message.body);
      if (!parsed.success) {
        body = { ok: false, error: parsed.error.message };
      } else {
        try {
          body = {
            ok: true,
            reply: await runSubAgent(options.client, options.spec, options.index, parsed.data.question),
          };
        } catch (error) {
          // The requester is waiting for this correlation id: answer with the failure instead of silence.
          body = { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }
      options.replies.publish(body, { [CORRELATION_ID]: message.id });
    }),
  );
}
