import { diag } from '@opentelemetry/api';
import { injectRunContext } from '../../src/index.js';
import type { InProcessQueue } from './in-process-queue.js';
import { CORRELATION_ID, type QueueReply } from './queue-sub-agent-service.js';
import type { SubAgentReply, SubAgentRequest } from './sub-agent-messages.js';

interface Waiting {
  readonly resolve: (reply: SubAgentReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Request/reply over two queues: publishes a request whose attributes carry the active run
 * context (`injectRunContext`: W3C `traceparent` + `baggage` with `lineage.run.id`) and
 * resolves with the reply bearing its message id as correlation id.
 */
export class QueueRequester {
  readonly #waiting = new Map<string, Waiting>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly requests: InProcessQueue<SubAgentRequest>,
    replies: InProcessQueue<QueueReply>,
    private readonly timeoutMs = 30_000,
  ) {
    this.#unsubscribe = replies.subscribe((message) => {
      const id = message.attributes[CORRELATION_ID];
      const waiting = id === undefined ? undefined : this.#waiting.get(id);
      if (id === undefined || waiting === undefined) {
        diag.warn(`reply ${message.id} answers no pending request; dropped`);
        return;
      }
      this.#waiting.delete(id);
      clearTimeout(waiting.timer);
      if (message.body.ok) waiting.resolve(message.body.reply);
      else waiting.reject(new Error(`sub-agent failed: ${message.body.error}`));
    });
  }

  /** Sends a request in the active run context and waits for its reply. */
  ask(request: SubAgentRequest): Promise<SubAgentReply> {
    const attributes = injectRunContext<Record<string, string>>({});
    const message = this.requests.publish(request, attributes);
    // Delivery happens on a later tick, so registering after publishing cannot miss the reply.
    return new Promise<SubAgentReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(message.id);
        reject(new Error(`no reply to ${message.id} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#waiting.set(message.id, { resolve, reject, timer });
    });
  }

  /** Stops listening for replies and fails every request still waiting. */
  close(): void {
    this.#unsubscribe();
    for (const [id, waiting] of this.#waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`requester closed before ${id} was answered`));
    }
    this.#waiting.clear();
  }
}
