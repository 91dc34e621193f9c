import { z } from 'zod';

/**
 * Defaults, chosen for a Collector in front of the receiver:
 * - 16 MiB on the wire: the Collector's own OTLP/HTTP default is 20 MiB, and its batch
 *   processor sends far less; gRPC's usual default is 4 MiB.
 * - 16 MiB decompressed: the bound that keeps a gzip bomb from exhausting memory. Decoded,
 *   mapped OTLP takes about 7x its protobuf size in heap (measured: 30 MiB → 212 MiB), so a
 *   16 MiB request needs ~110 MiB, within the 256 MiB old-space cap `serve` runs with.
 * - 24 MiB of request bodies decoded at once (one maximal request plus small ones); more →
 *   UNAVAILABLE / 503 with Retry-After, which the Collector retries. This, not the request
 *   count, is what bounds the server's memory.
 * - 20,000 spans: above the Collector's default batch size (8,192); set the Collector's
 *   `send_batch_max_size` at or below this, since a refused batch is not retried.
 * - 1,024 attributes per span, event, link, resource or scope: the SDK default limit is 128,
 *   but flattened OpenInference/Traceloop spans carry a few hundred.
 * - 128 KiB per string/bytes attribute value: hashes are what we store; captured content is opt-in.
 * - 64 requests in flight (body read → durable commit); more → UNAVAILABLE / 503.
 */
export const DEFAULT_RECEIVER_LIMITS = {
  maxRequestBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 16 * 1024 * 1024,
  maxInFlightBytes: 24 * 1024 * 1024,
  maxSpansPerRequest: 20_000,
  maxAttributesPerSpan: 1024,
  maxAttributeValueLength: 128 * 1024,
  maxInFlightRequests: 64,
  retryAfterSeconds: 2,
} as const;

const positiveInt = z.number().int().positive();

/** zod schema for receiver limits; every field is optional and defaults as documented above. */
export const receiverLimitsSchema = z
  .object({
    /** Largest request body accepted as sent (compressed, if compressed). */
    maxRequestBytes: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxRequestBytes),
    /** Largest body after gzip decompression; for gRPC also the max receive message size. */
    maxDecompressedBytes: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxDecompressedBytes),
    /** Most spans in one export request. */
    maxSpansPerRequest: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxSpansPerRequest),
    /** Most attributes on one span (also bounds event, link, resource and scope attributes). */
    maxAttributesPerSpan: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxAttributesPerSpan),
    /** Longest string (UTF-16 code units) or bytes attribute value, also inside arrays and kvlists. */
    maxAttributeValueLength: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxAttributeValueLength),
    /**
     * Decompressed request bytes being decoded or ingested at once; a request that would go
     * over → UNAVAILABLE / 503 (one request is always admitted, however large).
     */
    maxInFlightBytes: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxInFlightBytes),
    /** Requests being read, decoded or ingested at once; beyond this → UNAVAILABLE / 503. */
    maxInFlightRequests: positiveInt.default(DEFAULT_RECEIVER_LIMITS.maxInFlightRequests),
    /** Default back-off hint for UNAVAILABLE responses. */
    retryAfterSeconds: positiveInt.default(DEFAULT_RECEIVER_LIMITS.retryAfterSeconds),
  })
  .strict();

/** Resolved receiver limits. */
export type ReceiverLimits = z.output<typeof receiverLimitsSchema>;

/** Receiver limits as a caller may pass them (all optional). */
export type ReceiverLimitsInput = z.input<typeof receiverLimitsSchema>;

/** Validates limits once at start-up; throws a zod error naming every bad field. */
export function parseReceiverLimits(input: ReceiverLimitsInput = {}): ReceiverLimits {
  return receiverLimitsSchema.parse(input);
}
