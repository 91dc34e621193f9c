import type { SpanView } from '../model/span-view.js';

/**
 * Instrumentation scopes whose model spans are a framework's view of a model call (LangChain
 * callbacks: `handleChatModelStart` … `handleLLMEnd`), not the provider call itself. With the
 * provider's instrumentation also on (Traceloop's SDK turns on both), the same call is recorded
 * twice: once here, once by the provider client's instrumentation. Only the JS scopes the
 * interop tests run are listed; add a scope here only after seeing its spans.
 */
const FRAMEWORK_MODEL_SCOPES: ReadonlySet<string> = new Set([
  '@traceloop/instrumentation-langchain',
  '@arizeai/openinference-instrumentation-langchain',
]);

/**
 * Whether a model-invocation span is framework-level, decided from the span alone (its
 * instrumentation scope), so it does not depend on which other spans arrived with it. Its
 * ModelInvocation is held back until inference over the whole run (`resolve-held-invocations.ts`).
 */
export function isFrameworkModelSpan(view: SpanView): boolean {
  return FRAMEWORK_MODEL_SCOPES.has(view.scope.name);
}
