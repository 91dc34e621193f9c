/**
 * `agent-lineage/instrumentation/openai`: OpenTelemetry instrumentation of the `openai`
 * client (chat completions incl. streams and tool calls, Responses API, embeddings) that
 * records lineage model-invocation spans. Depends on `@opentelemetry/instrumentation`;
 * the SDK core (`agent-lineage`) does not.
 */

export {
  INSTRUMENTATION_SCOPE_NAME,
  LineageOpenAIInstrumentation,
  SUPPORTED_OPENAI_VERSIONS,
} from './instrumentation.js';
export type { LineageOpenAIInstrumentationConfig } from './types.js';
