/**
 * agent-lineage SDK: records where AI agent outputs came from as OpenTelemetry spans,
 * attributes and span links (see semconv/registry.yaml for the wire contract).
 * Depends only on `@opentelemetry/api`; every failure inside lineage code is reported
 * through `diag` and never reaches the host application.
 */

export type { LineageConfig, LineageConfigOptions, PseudonymKey } from './config.js';
export { configureLineage, DEFAULT_LIMITS, resetLineageConfig } from './config.js';
export type { DataSourceInput, DataSourceKind } from './datasource.js';
export { queryFingerprint } from './datasource.js';
export type { HandleKind, LineageHandle } from './handles.js';
export { CanonicalJsonError, canonicalize, canonicalizeAsSent } from './hashing/canonical-json.js';
export type { ContentDigest } from './hashing/sha256.js';
export { digestContent, sha256Bytes, sha256Json, sha256JsonAsSent, sha256Text } from './hashing/sha256.js';
export { digestStream } from './hashing/stream-hash.js';
export type { ModelInvocationRequest, ModelInvocationScope } from './model-invocation.js';
export { recordModelInvocation } from './model-invocation.js';
export { isPinnedModelName } from './model-pinning.js';
export type { ModelResponseInfo } from './model-response.js';
export { parseModelResponse } from './model-response.js';
export type { OutputOptions } from './output.js';
export { recordOutput } from './output.js';
export { extractRunContext, injectRunContext, withExtractedContext } from './propagation.js';
export { PSEUDONYM_PREFIX, pseudonymize } from './pseudonym.js';
export type { RetrievalOptions, SourceScope } from './retrieval.js';
export { recordRetrieval } from './retrieval.js';
export type { RunHandle, RunOptions, RunTrigger } from './run.js';
export { getActiveRun, startRun } from './run.js';
export type { ToolCallOptions, ToolCallScope } from './tool-call.js';
export { recordToolCall } from './tool-call.js';
export { SDK_SCOPE_NAME, SDK_VERSION } from './version.js';
