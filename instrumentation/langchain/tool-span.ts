import { SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
} from '../../semconv/index.js';
import { AttributeBuilder } from '../../src/attributes.js';
import { DataSourceRecorder, optionalHash } from '../../src/datasource.js';
import { sha256Json } from '../../src/hashing/sha256.js';
import { dict, type OpenRun, type SpanDeps, type SpanParent, serializedName, str } from './open-run.js';

/** The LangChain arguments of a tool start. */
export interface ToolStart {
  readonly serialized: unknown;
  /** The input as LangChain passes it to handlers: JSON text of the arguments, or plain text. */
  readonly input: unknown;
  readonly name: unknown;
  readonly toolCallId: unknown;
}

/** Tool input arrives as text; JSON arguments are hashed as the value they encode (as `recordToolCall` hashes `arguments`). */
function toolArguments(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** Starts an `execute_tool {name}` span with the tool-call id LangChain gave, when it gave one. */
export function startToolSpan(start: ToolStart, parent: SpanParent, deps: SpanDeps): OpenRun {
  const toolCallId = str(start.toolCallId);
  const b = new AttributeBuilder(deps.config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'tool_call')
    .set(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool')
    .string(ATTR_GEN_AI_TOOL_NAME, str(start.name) ?? serializedName(start.serialized))
    .string(ATTR_GEN_AI_TOOL_CALL_ID, toolCallId)
    .set(ATTR_LINEAGE_INPUT_SHA256, optionalHash(sha256Json, toolArguments(start.input)));
  const toolName = b.attributes[ATTR_GEN_AI_TOOL_NAME];
  const span = deps.tracer.startSpan(
    typeof toolName === 'string' ? `execute_tool ${toolName}` : 'execute_tool',
    { kind: SpanKind.INTERNAL, attributes: b.attributes },
    parent.ctx,
  );
  return {
    kind: 'tool',
    span,
    ctx: trace.setSpan(parent.ctx, span),
    runState: parent.runState,
    recorder: new DataSourceRecorder(span, deps.config, parent.runState),
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    startedAt: performance.now(),
  };
}

/**
 * Records the tool's result as a `tool_output` DataSource (id and join key: the tool-call
 * id) and its hash as `lineage.output.sha256`. A `ToolMessage` result contributes its
 * content and, when the start had none, its `tool_call_id`.
 */
export function finishToolSpan(run: OpenRun, output: unknown): void {
  const recorder = run.recorder;
  if (recorder === undefined) return;
  const message = dict(output);
  const isToolMessage = message !== undefined && typeof message.tool_call_id === 'string';
  const callId = run.toolCallId ?? (isToolMessage ? str(message.tool_call_id) : undefined);
  if (run.toolCallId === undefined && callId !== undefined) {
    run.span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ID, callId);
  }
  const content = isToolMessage ? message.content : output;
  const handle = recorder.add({
    kind: 'tool_output',
    ...(callId !== undefined ? { id: callId, toolCallId: callId } : {}),
    content: content ?? null,
  });
  if (handle?.sha256 !== undefined) run.span.setAttribute(ATTR_LINEAGE_OUTPUT_SHA256, handle.sha256);
}
