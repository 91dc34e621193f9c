/**
 * agent-lineage LangChain JS instrumentation (`agent-lineage/instrumentation/langchain`):
 * a callback handler that records lineage for every LangChain run, and an
 * OpenTelemetry instrumentation that installs it by patching `CallbackManager`.
 */

export { LANGCHAIN_OUTPUT_CHANNEL } from './chain-span.js';
export type {
  CallbackManagerModuleLike,
  LangChainLineageInstrumentationConfig,
} from './langchain-instrumentation.js';
export {
  LANGCHAIN_INSTRUMENTATION_NAME,
  LangChainLineageInstrumentation,
} from './langchain-instrumentation.js';
export { LINEAGE_HANDLER_NAME, LineageCallbackHandler } from './lineage-callback-handler.js';
export type { LangChainLineageOptions } from './options.js';
export { LANGCHAIN_DEFAULTS } from './options.js';
