import type { ChatMessage } from '../mapping/read-messages.js';

/**
 * Chat content that a GenAI log record (event) carried for one model-invocation span: the
 * request messages and/or the answer it reports. Held by the store until the span's run is
 * finalised, then merged into the invocation's hashes (see amend-with-content.ts) and dropped.
 */
export interface ContentEvent {
  /** Trace id = run id. */
  readonly runId: string;
  readonly spanId: string;
  /** Emit time in unix nanoseconds, zero-padded to 20 digits (sorts as text). */
  readonly timeNs: string;
  /**
   * Makes re-delivery idempotent: `{timeNs}.{digest}.{position}`, where the digest covers
   * everything the delivering batch carried for this span and the position is this event's
   * place among them. Not an order: a span's events are ordered by time, then by arrival
   * (the order the store got them), because instrumentations emit all of a request's
   * messages with one millisecond timestamp.
   */
  readonly key: string;
  readonly input: readonly ChatMessage[];
  readonly output: readonly ChatMessage[];
  /**
   * The instrumentation left content out (its content capture is off): the messages keep
   * only roles and tool-call ids, which still join, but hashing them would not hash the
   * request or answer, so no hash is filled from this side.
   */
  readonly inputWithheld?: true;
  readonly outputWithheld?: true;
}
