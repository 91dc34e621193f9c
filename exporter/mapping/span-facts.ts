import type { SpanDialect, SpanRecord } from '../model/lineage-record.js';

/** DataSource kinds of the registry (`lineage.datasource.kind`). */
export type DataSourceKind = 'rag_chunk' | 'db_result' | 'api_response' | 'tool_output' | 'document';

/** Hashed content: the hash (given or computed) and, for capture, the text it was computed from. */
export interface HashedContent {
  readonly sha256: string;
  /** Raw content; only stored when content capture is on. */
  readonly content?: string;
  /** `content` when the hash covers the content, `identity` when only ids were available. */
  readonly basis: 'content' | 'identity';
}

/** One DataSource a retrieval or tool span obtained. */
export interface DataSourceFact {
  readonly sourceKind: DataSourceKind;
  readonly hash: HashedContent;
  readonly sourceId?: string;
  readonly uri?: string;
  readonly size?: number;
  readonly ingestedAt?: string;
  readonly score?: number;
  readonly indexVersion?: string;
  readonly querySha256?: string;
  readonly requestSha256?: string;
  readonly toolName?: string;
  readonly toolVersion?: string;
  readonly toolDefinitionSha256?: string;
  readonly toolCallId?: string;
}

/** What a model invocation span says about the call. */
export interface ModelFact {
  readonly provider?: string;
  readonly operation?: string;
  readonly requestModel?: string;
  readonly responseModel?: string;
  readonly modelVersion?: string;
  readonly pinned?: boolean;
  readonly systemPromptSha256?: string;
  readonly inputSha256?: string;
  readonly toolsSha256?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly timeToFirstTokenMs?: number;
  readonly firstTokenTimeMs?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
  /** Output hash (given by our SDK or computed from foreign output content). */
  readonly output?: HashedContent;
  /** Request messages as canonical JSON; only stored when content capture is on. */
  readonly inputContent?: string;
}

/** What a run span says about the run. */
export interface RunFact {
  readonly agentName?: string;
  readonly agentId?: string;
  readonly agentVersion?: string;
  readonly environment?: string;
  readonly trigger?: string;
  readonly actor?: string;
  readonly parentRunId?: string;
  /** Output of a foreign root span (OpenInference output.value, Traceloop entity output), for the inferred FinalOutput. */
  readonly output?: HashedContent;
}

/** What an output span says about the FinalOutput. */
export interface OutputFact {
  readonly hash: HashedContent;
  readonly channel?: string;
  readonly recipient?: string;
}

/** Everything the mapping understood from one span, independent of its dialect. */
export interface SpanFacts {
  readonly dialect: SpanDialect;
  readonly spanType: SpanRecord['spanType'];
  readonly isRoot: boolean;
  readonly run?: RunFact;
  readonly model?: ModelFact;
  readonly dataSources: readonly DataSourceFact[];
  readonly output?: OutputFact;
  readonly toolCallId?: string;
  readonly consumedToolCallIds: readonly string[];
  readonly consumedContentSha256: readonly string[];
  /** A framework-level model span (`framework-model-span.ts`): its ModelInvocation records are held back. */
  readonly frameworkLevel: boolean;
}
