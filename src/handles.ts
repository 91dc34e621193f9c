import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/** Which kind of lineage entity a handle refers to. */
export type HandleKind = 'run' | 'model_invocation' | 'retrieval' | 'tool_call' | 'output' | 'datasource';

/**
 * A reference to something the SDK recorded: the span that recorded it and, when one
 * specific artifact of that span is meant, the artifact's SHA-256. Pass handles as
 * `inputs` to create explicit lineage edges.
 */
export interface LineageHandle {
  /** What was recorded. */
  readonly kind: HandleKind;
  /** The span that recorded it. */
  readonly spanContext: SpanContext;
  /**
   * Hash of the artifact this handle names (DataSource content, model or tool output,
   * final output). For a model invocation it is filled in when the response arrives.
   */
  readonly sha256: string | undefined;
}

/** A mutable handle: the SDK fills in the hash once it is known, users only read it. */
export class RecordedHandle implements LineageHandle {
  sha256: string | undefined;

  constructor(
    readonly kind: HandleKind,
    readonly spanContext: SpanContext,
    sha256?: string,
  ) {
    this.sha256 = sha256;
  }
}

/** True for anything shaped like a {@link LineageHandle} (inputs come from user code). */
export function isLineageHandle(value: unknown): value is LineageHandle {
  if (typeof value !== 'object' || value === null) return false;
  const ctx = (value as { spanContext?: unknown }).spanContext;
  // A valid span context only: the SDK's own detached handle (all-zero ids) or a forged one
  // would become a link the exporter rejects, taking the whole span with it.
  return (
    typeof ctx === 'object' &&
    ctx !== null &&
    typeof (ctx as SpanContext).traceId === 'string' &&
    typeof (ctx as SpanContext).spanId === 'string' &&
    isSpanContextValid(ctx as SpanContext)
  );
}
