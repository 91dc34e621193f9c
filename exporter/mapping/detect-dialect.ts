import { ATTR_GEN_AI_OPERATION_NAME, ATTR_LINEAGE_SPAN_TYPE, SPAN_TYPES } from '../../semconv/index.js';
import type { SpanDialect, SpanRecord } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';

/** OpenInference span kind attribute. */
export const ATTR_OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
/** Traceloop / OpenLLMetry span kind attribute. */
export const ATTR_TRACELOOP_SPAN_KIND = 'traceloop.span.kind';
/** OpenLLMetry LLM request type (chat, completion, embedding, rerank). */
export const ATTR_LLM_REQUEST_TYPE = 'llm.request.type';
/** OpenLLMetry vector DB result event. */
export const EVENT_DB_QUERY_RESULT = 'db.query.result';

const OPENLLMETRY_PREFIXES = ['traceloop.', 'gen_ai.prompt.', 'gen_ai.completion.', 'db.vector.query.'];

/**
 * Which convention a span speaks. Ours wins (our SDK also writes gen_ai.*), then
 * OpenInference and OpenLLMetry by their own markers, then plain OTel GenAI; spans with
 * none of these are `unknown` (they still count for structure, e.g. a foreign root).
 */
export function detectDialect(view: SpanView): SpanDialect {
  const attrs = view.attributes;
  if (typeof attrs[ATTR_LINEAGE_SPAN_TYPE] === 'string') return 'lineage';
  if (typeof attrs[ATTR_OPENINFERENCE_SPAN_KIND] === 'string') return 'openinference';
  if (attrs[ATTR_LLM_REQUEST_TYPE] !== undefined) return 'openllmetry';
  for (const key of Object.keys(attrs)) {
    if (OPENLLMETRY_PREFIXES.some((p) => key.startsWith(p))) return 'openllmetry';
  }
  if (view.events.some((e) => e.name === EVENT_DB_QUERY_RESULT)) return 'openllmetry';
  if (typeof attrs[ATTR_GEN_AI_OPERATION_NAME] === 'string') return 'gen_ai';
  return 'unknown';
}

const GEN_AI_MODEL_OPS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const GEN_AI_AGENT_OPS = new Set(['invoke_agent', 'invoke_workflow', 'create_agent']);

function byGenAiOperation(op: unknown): SpanRecord['spanType'] | undefined {
  if (typeof op !== 'string') return undefined;
  if (GEN_AI_MODEL_OPS.has(op)) return 'model_invocation';
  if (op === 'retrieval') return 'retrieval';
  if (op === 'execute_tool') return 'tool_call';
  if (GEN_AI_AGENT_OPS.has(op)) return 'run';
  return undefined;
}

function openInferenceType(kind: string): SpanRecord['spanType'] | undefined {
  switch (kind.toUpperCase()) {
    case 'LLM':
    case 'EMBEDDING':
      return 'model_invocation';
    case 'RETRIEVER':
    case 'RERANKER':
      return 'retrieval';
    case 'TOOL':
      return 'tool_call';
    case 'AGENT':
    case 'CHAIN':
      return 'run';
    default:
      return undefined;
  }
}

function openLlmetryType(view: SpanView): SpanRecord['spanType'] | undefined {
  const attrs = view.attributes;
  const requestType = attrs[ATTR_LLM_REQUEST_TYPE];
  if (requestType === 'chat' || requestType === 'completion' || requestType === 'embedding') {
    return 'model_invocation';
  }
  const kind = attrs[ATTR_TRACELOOP_SPAN_KIND];
  if (kind === 'tool') return 'tool_call';
  // Traceloop's LangChain instrumentation marks tool runs as `task` + execute_tool.
  if (attrs[ATTR_GEN_AI_OPERATION_NAME] === 'execute_tool') return 'tool_call';
  if (kind === 'workflow' || kind === 'agent' || kind === 'task') return 'run';
  const keys = Object.keys(attrs);
  if (keys.some((k) => k.startsWith('db.vector.query.'))) return 'retrieval';
  if (view.events.some((e) => e.name === EVENT_DB_QUERY_RESULT)) return 'retrieval';
  if (keys.some((k) => k.startsWith('gen_ai.prompt.') || k.startsWith('gen_ai.completion.'))) {
    return 'model_invocation';
  }
  return byGenAiOperation(attrs[ATTR_GEN_AI_OPERATION_NAME]);
}

/**
 * The lineage span type. Agent/workflow/chain spans count as a run only when they are
 * the trace root (run id = trace id, so a trace has one run); nested ones are `other`.
 * A foreign root of any other kind still becomes the run (see `isRoot`) while keeping
 * its own type, e.g. a lone chat span is both the run and its model invocation.
 */
export function classifySpan(view: SpanView, dialect: SpanDialect): SpanRecord['spanType'] {
  const attrs = view.attributes;
  let type: SpanRecord['spanType'] | undefined;
  switch (dialect) {
    case 'lineage': {
      const t = attrs[ATTR_LINEAGE_SPAN_TYPE];
      return (SPAN_TYPES as readonly unknown[]).includes(t) ? (t as SpanRecord['spanType']) : 'other';
    }
    case 'openinference':
      type = openInferenceType(String(attrs[ATTR_OPENINFERENCE_SPAN_KIND]));
      break;
    case 'openllmetry':
      type = openLlmetryType(view);
      break;
    case 'gen_ai':
      type = byGenAiOperation(attrs[ATTR_GEN_AI_OPERATION_NAME]);
      break;
    case 'unknown':
      type = undefined;
      break;
  }
  const isRoot = view.parentSpanId === undefined;
  if (type === 'run' || type === undefined) return isRoot ? 'run' : 'other';
  return type;
}
