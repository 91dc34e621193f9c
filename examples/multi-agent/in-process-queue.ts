import { randomUUID } from 'node:crypto';
import { context, diag, ROOT_CONTEXT } from '@opentelemetry/api';

/** A queued message: a body plus string attributes (where W3C trace context and baggage travel). */
export interface QueueMessage<T> {
  readonly id: string;
  readonly body: T;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Handles one delivered message. */
export type QueueHandler<T> = (message: QueueMessage<T>) => void | Promise<void>;

/**
 * A minimal in-process message queue standing in for a broker (SQS, Pub/Sub, Kafka): one
 * consumer at a time, messages buffered until it subscribes, delivery on a later tick.
 * Delivery runs in the ROOT context, as on a broker's own connection: nothing of the
 * publisher's async context reaches the consumer, so run context must travel in the
 * message attributes.
 */
export class InProcessQueue<T> {
  readonly #pending: QueueMessage<T>[] = [];
  #handler: QueueHandler<T> | undefined;

  constructor(readonly name: string) {}

  /** Enqueues a message; returns it (with its id, usable as a correlation id). */
  publish(body: T, attributes: Readonly<Record<string, string>> = {}): QueueMessage<T> {
    const message: QueueMessage<T> = { id: randomUUID(), body, attributes: { ...attributes } };
    this.#pending.push(message);
    this.#schedule();
    return message;
  }

  /** Starts delivering to `handler`; returns a function that stops it. Only one consumer at a time. */
  subscribe(handler: QueueHandler<T>): () => void {
    if (this.#handler !== undefined) throw new Error(`queue ${this.name} already has a consumer`);
    this.#handler = handler;
    this.#schedule();
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  #schedule(): void {
    setImmediate(context.bind(ROOT_CONTEXT, () => this.#drain()));
  }

  #drain(): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    for (let message = this.#pending.shift(); message !== undefined; message = this.#pending.shift()) {
      const delivered = message;
      // A broker would redeliver or dead-letter; here a failing handler is reported, not retried.
      Promise.resolve()
        .then(() => handler(delivered))
        .catch((error: unknown) =>
          diag.error(`queue ${this.name}: handler failed for ${delivered.id}`, error),
        );
    }
  }
}
