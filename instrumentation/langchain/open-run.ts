import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { LineageConfig } from '../../src/config.js';
import type { DataSourceRecorder } from '../../src/datasource.js';
import type { RecordedHandle } from '../../src/handles.js';
import type { RunState } from '../../src/run-state.js';

/** What a LangChain run became. `run` is a lineage run the tracer started itself. */
export type OpenRunKind = 'run' | 'step' | 'model' | 'retrieval' | 'tool';

/** Span and lineage state of one open LangChain run (held in the handler's bounded registry). */
export interface OpenRun {
  readonly kind: OpenRunKind;
  readonly span: Span;
  /** Context with this span active: children (by LangChain's parentRunId) start from it. */
  readonly ctx: Context;
  /** The lineage run this LangChain run belongs to, when there is one (for inference and outputs). */
  readonly runState: RunState | undefined;
  /** Sources recorded on a retrieval or tool span. */
  readonly recorder?: DataSourceRecorder;
  /** Handle of a model invocation (its output hash is filled in at the end). */
  readonly handle?: RecordedHandle;
  /**
   * Closes the model call's entry in the SDK's framework-call registry, through which our
   * OpenAI instrumentation leaves the same request to this span (model runs only).
   */
  readonly closeModelCall?: () => void;
  /** Tool-call id LangChain gave at the start of a tool run. */
  readonly toolCallId?: string;
  /** `performance.now()` at the start (time to first token). */
  readonly startedAt: number;
  /** Set once the first streamed token was seen. */
  firstTokenSeen?: boolean;
}

/** Where a new span starts: its parent context and the lineage run it belongs to. */
export interface SpanParent {
  readonly ctx: Context;
  readonly runState: RunState | undefined;
}

/** What span starters need besides the LangChain arguments. */
export interface SpanDeps {
  readonly tracer: Tracer;
  readonly config: LineageConfig;
}

type Dict = Record<string, unknown>;

/** A plain-object view of an untrusted value. */
export function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

/** A non-empty string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The class name in LangChain's `Serialized` form (`{ id: [..., 'ChatOpenAI'] }`). */
export function serializedName(serialized: unknown): string | undefined {
  const id = dict(serialized)?.id;
  return Array.isArray(id) ? str(id[id.length - 1]) : undefined;
}
