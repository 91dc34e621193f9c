import { type Context, createContextKey, type SpanContext } from '@opentelemetry/api';
import type { RecordedHandle } from './handles.js';

/** An artifact a run remembers so later model invocations can be linked to it by inference. */
export interface TrackedArtifact {
  /** Handle naming the artifact (datasource of a retrieval/tool span, or a model output). */
  readonly handle: RecordedHandle;
  /** Text to look for in later prompts; absent when too large or not text. */
  readonly text: string | undefined;
  /** Tool-call ids that join this artifact to later messages (tool result, or assistant tool calls). */
  readonly toolCallIds: readonly string[];
}

/**
 * Per-run state, stored in the run's OpenTelemetry context (never in a global map), so it
 * is garbage once the run's context is gone. Bounded: the oldest artifacts are forgotten
 * first, and everything is released when the run ends.
 */
export class RunState {
  private artifacts: TrackedArtifact[] = [];
  private ended = false;
  /** Most recent model invocation, the default contributor of a final output. */
  lastInvocation: RecordedHandle | undefined;

  constructor(
    /** Run id = trace id of the run span. */
    readonly runId: string,
    /** Span context of the run span. */
    readonly spanContext: SpanContext,
    private readonly maxArtifacts: number,
    /** Run id of the run that spawned this one, when known. */
    readonly parentRunId: string | undefined,
  ) {}

  /** Remembers an artifact for inference; a no-op after the run ended. */
  track(artifact: TrackedArtifact): void {
    if (this.ended || this.maxArtifacts === 0) return;
    if (this.artifacts.length >= this.maxArtifacts) this.artifacts.shift();
    this.artifacts.push(artifact);
  }

  /** Artifacts remembered so far, oldest first. */
  tracked(): readonly TrackedArtifact[] {
    return this.artifacts;
  }

  /** Releases everything the run remembered; later tracking is ignored. */
  end(): void {
    this.ended = true;
    this.artifacts = [];
    this.lastInvocation = undefined;
  }
}

const RUN_STATE_KEY = createContextKey('agent-lineage.run-state');

/** The run whose context this is, if any. */
export function getRunState(ctx: Context): RunState | undefined {
  const value = ctx.getValue(RUN_STATE_KEY);
  return value instanceof RunState ? value : undefined;
}

/** A context carrying the given run state. */
export function setRunState(ctx: Context, state: RunState): Context {
  return ctx.setValue(RUN_STATE_KEY, state);
}
