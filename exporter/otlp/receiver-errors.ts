/**
 * The three ways a receiver refuses a request. Transports map them to status codes in one
 * place (`error-status.ts`); everything else is an unexpected internal failure.
 */

/** The request body is not a valid OTLP message (bad protobuf, bad JSON, wrong shapes). */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** Which limit a request exceeded: size limits map to HTTP 413, count/length limits to 400. */
export type OtlpLimitKind =
  | 'request-bytes'
  | 'decompressed-bytes'
  | 'spans'
  | 'attributes'
  | 'attribute-value';

/** The request exceeds a configured limit; none of it is passed on. */
export class OtlpLimitError extends Error {
  override readonly name = 'OtlpLimitError';
  /** The limit that was exceeded. */
  readonly kind: OtlpLimitKind;

  constructor(kind: OtlpLimitKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/**
 * The receiver cannot take the request now (store unavailable, overloaded, shutting down).
 * Clients should retry after `retryAfterSeconds`; ingest functions throw it for transient
 * store failures, and the receiver throws it when its in-flight bound is reached.
 */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  /** Back-off hint sent as HTTP `Retry-After` and gRPC `RetryInfo`; undefined = receiver default. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
