import { OtlpDecodeError, OtlpLimitError, UnavailableError } from './receiver-errors.js';

/** gRPC status codes the receiver answers with (grpc/status.proto numbering). */
export const GRPC_STATUS = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** How a refused request is answered on each transport. */
export interface RefusalStatus {
  readonly httpStatus: number;
  readonly grpcCode: number;
  /** Sent to the client; for internal errors a generic text, never the error's own message. */
  readonly message: string;
  /** Set only for retryable refusals (UNAVAILABLE / 503). */
  readonly retryAfterSeconds?: number;
}

/**
 * The one mapping from receiver errors to protocol status, per the OTLP spec: malformed → 400 /
 * INVALID_ARGUMENT; too large → 413 / RESOURCE_EXHAUSTED (no RetryInfo, so clients do not retry);
 * over a count or length limit → 400 / INVALID_ARGUMENT; unavailable → 503 / UNAVAILABLE with a
 * retry hint; anything else → 500 / INTERNAL (not retried: a deterministic bug would loop).
 */
export function refusalStatus(error: unknown, defaultRetryAfterSeconds: number): RefusalStatus {
  if (error instanceof UnavailableError) {
    return {
      httpStatus: 503,
      grpcCode: GRPC_STATUS.UNAVAILABLE,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds ?? defaultRetryAfterSeconds,
    };
  }
  if (error instanceof OtlpLimitError) {
    const size = error.kind === 'request-bytes' || error.kind === 'decompressed-bytes';
    return size
      ? { httpStatus: 413, grpcCode: GRPC_STATUS.RESOURCE_EXHAUSTED, message: error.message }
      : { httpStatus: 400, grpcCode: GRPC_STATUS.INVALID_ARGUMENT, message: error.message };
  }
  if (error instanceof OtlpDecodeError) {
    return { httpStatus: 400, grpcCode: GRPC_STATUS.INVALID_ARGUMENT, message: error.message };
  }
  return {
    httpStatus: 500,
    grpcCode: GRPC_STATUS.INTERNAL,
    message: 'internal error while ingesting the request',
  };
}
