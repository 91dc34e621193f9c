import {
  type Attributes,
  type Baggage,
  type BaggageEntry,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Link,
  propagation,
  type SpanContext,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_LINEAGE_AGENT_VERSION,
  ATTR_LINEAGE_LINK_TYPE,
  ATTR_LINEAGE_RUN_ACTOR,
  ATTR_LINEAGE_RUN_ENVIRONMENT,
  ATTR_LINEAGE_RUN_PARENT_ID,
  ATTR_LINEAGE_RUN_TRIGGER,
  ATTR_LINEAGE_SPAN_TYPE,
  BAGGAGE_LINEAGE_RUN_ID,
  LINK_TYPE_SPAWNED_BY,
  LINK_TYPE_TRIGGERED_BY,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import { getConfig } from './config.js';
import { type LineageHandle, RecordedHandle } from './handles.js';
import { pseudonymize } from './pseudonym.js';
import { reportDrop, reportFailure } from './report.js';
import { getRunState, RunState, setRunState } from './run-state.js';
import { runInSpan } from './traced-call.js';

/** What started a run (`lineage.run.trigger`). */
export type RunTrigger = 'user' | 'schedule' | 'api' | 'agent' | 'event';

/** Options of {@link startRun}. Only `agentName` is expected; invalid fields are dropped with a diag warning. */
export interface RunOptions {
  /** Human-readable agent name (`gen_ai.agent.name`); also names the span `invoke_agent {agentName}`. */
  readonly agentName: string;
  /** Stable agent identifier (`gen_ai.agent.id`). */
  readonly agentId?: string;
  /** Version of the agent code (`lineage.agent.version`). */
  readonly agentVersion?: string;
  /** Deployment environment (`lineage.run.environment`). */
  readonly environment?: string;
  /** What started the run; defaults to `agent` when spawned by another run. */
  readonly trigger?: RunTrigger;
  /** Raw id of the triggering actor; recorded only as a keyed pseudonym (`lineage.run.actor`). */
  readonly actor?: string;
  /** Conversation or session id (`gen_ai.conversation.id`). */
  readonly conversationId?: string;
}

/** Handle of a running run: its id (= trace id) and span context. */
export interface RunHandle extends LineageHandle {
  readonly kind: 'run';
  /** Run id = trace id of the run span. */
  readonly runId: string;
  /** Run id of the run that spawned this one, when there was one. */
  readonly parentRunId: string | undefined;
}

const TRIGGERS: ReadonlySet<string> = new Set(['user', 'schedule', 'api', 'agent', 'event']);
const RUN_ID = /^[0-9a-f]{32}$/;

/** Where a run came from, read from the context it was started in. */
interface RunOrigin {
  readonly link: Link | undefined;
  readonly parentRunId: string | undefined;
}

/**
 * Runs `fn` as an agent run: the root span of a new trace (run id = trace id), linked
 * `spawned_by` to the active span when that belongs to another run (in-process, or remote
 * through W3C Baggage `lineage.run.id`), `triggered_by` when it is any other span.
 * The run's context — span, per-run state and baggage `lineage.run.id` — is active inside
 * `fn` and follows async code. `fn`'s result or exception passes through unchanged; a
 * returned promise is returned as the same object and the span ends when it settles.
 * @throws {TypeError} only when `fn` is not a function.
 */
export function startRun<T>(options: RunOptions, fn: (run: RunHandle) => T): T {
  if (typeof fn !== 'function') throw new TypeError('startRun: fn must be a function');
  let prepared: ReturnType<typeof beginRunSpan>;
  try {
    prepared = beginRunSpan(options, context.active());
  } catch (error) {
    reportFailure('startRun', error);
    return fn(detachedRunHandle());
  }
  const { span, ctx, handle, state } = prepared;
  return runInSpan(span, ctx, () => fn(handle), { onEnd: () => state.end() }, 'startRun');
}

/** The run whose context is active, if any. */
export function getActiveRun(): RunHandle | undefined {
  const state = getRunState(context.active());
  if (state === undefined) return undefined;
  return new RunHandleImpl(state.spanContext, state.runId, state.parentRunId);
}

class RunHandleImpl extends RecordedHandle implements RunHandle {
  declare readonly kind: 'run';

  constructor(
    spanContext: SpanContext,
    readonly runId: string,
    readonly parentRunId: string | undefined,
  ) {
    super('run', spanContext);
  }
}

function detachedRunHandle(): RunHandle {
  return new RunHandleImpl(INVALID_SPAN_CONTEXT, INVALID_SPAN_CONTEXT.traceId, undefined);
}

/**
 * Starts a run span and its per-run state without running anything in it (what
 * {@link startRun} does before calling `fn`). For instrumentations that see a run begin
 * and end as separate callbacks; the caller ends the span and calls `state.end()`.
 * `tracer` defaults to the configured one.
 */
export function beginRunSpan(rawOptions: RunOptions, parent: Context, tracer?: Tracer) {
  const config = getConfig();
  const options = asOptions(rawOptions);
  const origin = readOrigin(parent);
  const builder = new AttributeBuilder(config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'run')
    .set(ATTR_GEN_AI_OPERATION_NAME, 'invoke_agent')
    .string(ATTR_GEN_AI_AGENT_NAME, options.agentName)
    .string(ATTR_GEN_AI_AGENT_ID, options.agentId)
    .string(ATTR_LINEAGE_AGENT_VERSION, options.agentVersion)
    .string(ATTR_LINEAGE_RUN_ENVIRONMENT, options.environment)
    .string(ATTR_LINEAGE_RUN_TRIGGER, runTrigger(options.trigger, origin))
    .set(ATTR_LINEAGE_RUN_ACTOR, pseudonymize(options.actor, config.pseudonymKey))
    .string(ATTR_GEN_AI_CONVERSATION_ID, options.conversationId)
    .set(ATTR_LINEAGE_RUN_PARENT_ID, origin.parentRunId);
  const agentName = builder.attributes[ATTR_GEN_AI_AGENT_NAME];
  if (agentName === undefined) reportDrop('startRun', 'agentName missing or not a string');
  const span = (tracer ?? config.tracer).startSpan(
    typeof agentName === 'string' ? `invoke_agent ${agentName}` : 'invoke_agent',
    {
      root: true,
      kind: SpanKind.INTERNAL,
      attributes: builder.attributes,
      links: origin.link ? [origin.link] : [],
    },
    parent,
  );
  const spanContext = span.spanContext();
  const runId = spanContext.traceId;
  const state = new RunState(runId, spanContext, config.maxTrackedArtifacts, origin.parentRunId);
  const baggage = withRunId(propagation.getBaggage(parent), runId);
  const ctx = setRunState(propagation.setBaggage(trace.setSpan(parent, span), baggage), state);
  return { span, ctx, state, handle: new RunHandleImpl(spanContext, runId, origin.parentRunId) };
}

/**
 * The caller's baggage with `lineage.run.id` set, as its FIRST member: propagators keep the
 * first 180 members and 8,192 bytes, so a full upstream baggage must not push the run id out
 * (a sub-agent would lose its parent run). A baggage that cannot be read is left out.
 */
function withRunId(existing: Baggage | undefined, runId: string): Baggage {
  const entries: Record<string, BaggageEntry> = { [BAGGAGE_LINEAGE_RUN_ID]: { value: runId } };
  try {
    for (const [key, entry] of existing?.getAllEntries() ?? []) {
      if (key !== BAGGAGE_LINEAGE_RUN_ID) entries[key] = entry;
    }
  } catch (error) {
    reportFailure('startRun: reading the caller baggage', error);
    return propagation.createBaggage({ [BAGGAGE_LINEAGE_RUN_ID]: { value: runId } });
  }
  return propagation.createBaggage(entries);
}

function asOptions(options: unknown): Partial<Record<keyof RunOptions, unknown>> {
  if (typeof options === 'object' && options !== null)
    return options as Partial<Record<keyof RunOptions, unknown>>;
  reportDrop('startRun', 'options must be an object; the run is recorded without them');
  return {};
}

function runTrigger(trigger: unknown, origin: RunOrigin): string | undefined {
  if (trigger === undefined) return origin.parentRunId === undefined ? undefined : 'agent';
  if (typeof trigger === 'string' && TRIGGERS.has(trigger)) return trigger;
  reportDrop('startRun', `trigger must be one of ${[...TRIGGERS].join(', ')}`);
  return undefined;
}

/** Reads the parent run (in-process state, else baggage) and the span to link to. */
function readOrigin(parent: Context): RunOrigin {
  const parentSpanContext = trace.getSpanContext(parent);
  const parentRunId = getRunState(parent)?.runId ?? baggageRunId(parent);
  if (parentSpanContext === undefined || !isSpanContextValid(parentSpanContext)) {
    return { link: undefined, parentRunId };
  }
  const type = parentRunId === undefined ? LINK_TYPE_TRIGGERED_BY : LINK_TYPE_SPAWNED_BY;
  const attributes: Attributes = { [ATTR_LINEAGE_LINK_TYPE]: type };
  return { link: { context: parentSpanContext, attributes }, parentRunId };
}

function baggageRunId(parent: Context): string | undefined {
  const value = propagation.getBaggage(parent)?.getEntry(BAGGAGE_LINEAGE_RUN_ID)?.value;
  return value !== undefined && RUN_ID.test(value) ? value : undefined;
}
