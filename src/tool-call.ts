import { context, INVALID_SPAN_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
  ATTR_LINEAGE_TOOL_DEFINITION_SHA256,
  ATTR_LINEAGE_TOOL_VERSION,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import { getConfig } from './config.js';
import { DataSourceRecorder, optionalHash } from './datasource.js';
import { type LineageHandle, RecordedHandle } from './handles.js';
import { sha256Json } from './hashing/sha256.js';
import { reportFailure } from './report.js';
import type { SourceScope } from './retrieval.js';
import { getRunState } from './run-state.js';
import { runInSpan } from './traced-call.js';

/** Options of {@link recordToolCall}. */
export interface ToolCallOptions {
  /** Tool name (`gen_ai.tool.name`); names the span `execute_tool {name}`. */
  readonly name: string;
  /** Model-issued tool-call id (`gen_ai.tool.call.id`): joins the result to the messages that carry it. */
  readonly callId?: string;
  /** Tool type (`gen_ai.tool.type`), e.g. `function`. */
  readonly type?: string;
  /** Version of the tool implementation (`lineage.tool.version`). */
  readonly version?: string;
  /** The tool's definition (name, description, parameter schema) → `lineage.tool.definition.sha256`. */
  readonly definition?: unknown;
  /** The call's arguments → `lineage.input.sha256`. */
  readonly arguments?: unknown;
}

/** Lets the tool function record sources it read and override what counts as its result. */
export interface ToolCallScope extends SourceScope {
  /** Handle of the tool output; its `sha256` is filled in when the call returns. */
  readonly handle: LineageHandle;
  /** Hash this value as the tool's output instead of the function's return value. */
  setResult(value: unknown): void;
}

const DETACHED_TOOL_SCOPE: ToolCallScope = {
  handle: new RecordedHandle('tool_call', INVALID_SPAN_CONTEXT),
  addSource: () => undefined,
  setResult: () => undefined,
};

/**
 * Runs one tool execution as an `execute_tool` span. Its result (or the value given to
 * `scope.setResult`) is hashed into `lineage.output.sha256` and recorded as a
 * `tool_output` DataSource, which the active run remembers so the next model invocation
 * carrying it (by tool-call id or content) is linked `consumed`. The result or exception
 * passes through unchanged.
 * @throws {TypeError} only when `fn` is not a function.
 */
export function recordToolCall<T>(options: ToolCallOptions, fn: (scope: ToolCallScope) => T): T {
  if (typeof fn !== 'function') throw new TypeError('recordToolCall: fn must be a function');
  let prepared: ReturnType<typeof beginToolCall>;
  try {
    prepared = beginToolCall(options);
  } catch (error) {
    reportFailure('recordToolCall', error);
    return fn(DETACHED_TOOL_SCOPE);
  }
  const { span, ctx, scope, recorder, state } = prepared;
  return runInSpan(
    span,
    ctx,
    () => fn(scope),
    {
      onResult: (result) => {
        const content = state.override.set ? state.override.value : result;
        // A tool that returns nothing produced no output to hash.
        if (content === undefined) return undefined;
        const handle = recorder.add({
          kind: 'tool_output',
          id: state.callId,
          content,
          toolCallId: state.callId,
        });
        if (handle !== undefined) {
          span.setAttribute(ATTR_LINEAGE_OUTPUT_SHA256, handle.sha256 as string);
          scope.handle.sha256 = handle.sha256;
        }
        return undefined;
      },
      beforeEnd: () => recorder.finish(),
    },
    'recordToolCall',
  );
}

function beginToolCall(raw: ToolCallOptions) {
  const config = getConfig();
  const options: Partial<Record<keyof ToolCallOptions, unknown>> =
    typeof raw === 'object' && raw !== null ? raw : {};
  const parent = context.active();
  const b = new AttributeBuilder(config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'tool_call')
    .set(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool')
    .string(ATTR_GEN_AI_TOOL_NAME, options.name)
    .string(ATTR_GEN_AI_TOOL_CALL_ID, options.callId)
    .string(ATTR_GEN_AI_TOOL_TYPE, options.type)
    .string(ATTR_LINEAGE_TOOL_VERSION, options.version)
    .set(ATTR_LINEAGE_TOOL_DEFINITION_SHA256, optionalHash(sha256Json, options.definition))
    .set(ATTR_LINEAGE_INPUT_SHA256, optionalHash(sha256Json, options.arguments));
  const toolName = b.attributes[ATTR_GEN_AI_TOOL_NAME];
  const name = typeof toolName === 'string' ? `execute_tool ${toolName}` : 'execute_tool';
  const span = config.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: b.attributes }, parent);
  const recorder = new DataSourceRecorder(span, config, getRunState(parent));
  const callId = b.attributes[ATTR_GEN_AI_TOOL_CALL_ID] as string | undefined;
  const state = { callId, override: { set: false, value: undefined as unknown } };
  const handle = new RecordedHandle('tool_call', span.spanContext());
  const scope: ToolCallScope = {
    handle,
    addSource: (source) => recorder.add(source),
    setResult: (value) => {
      state.override = { set: true, value };
    },
  };
  return {
    span,
    ctx: trace.setSpan(parent, span),
    scope: scope as ToolCallScope & { handle: RecordedHandle },
    recorder,
    state,
  };
}
