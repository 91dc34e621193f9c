// DO NOT EDIT. Generated from semconv/registry.yaml by `npm run semconv:generate`.

/** Version of the agent-lineage semantic conventions. */
export const LINEAGE_SEMCONV_VERSION = '0.1.0' as const;
/** Schema URL of this version. */
export const LINEAGE_SCHEMA_URL = 'https://agent-lineage.dev/schemas/0.1.0' as const;

// --- lineage.* attributes

/**
 * Which lineage entity the span records.
 *
 * Type: `'run' | 'model_invocation' | 'retrieval' | 'tool_call' | 'output'`. Requirement: required.
 * Span types: run, model_invocation, retrieval, tool_call, output.
 */
export const ATTR_LINEAGE_SPAN_TYPE = 'lineage.span.type' as const;
/** `lineage.span.type` = `run`. */
export const LINEAGE_SPAN_TYPE_VALUE_RUN = 'run' as const;
/** `lineage.span.type` = `model_invocation`. */
export const LINEAGE_SPAN_TYPE_VALUE_MODEL_INVOCATION = 'model_invocation' as const;
/** `lineage.span.type` = `retrieval`. */
export const LINEAGE_SPAN_TYPE_VALUE_RETRIEVAL = 'retrieval' as const;
/** `lineage.span.type` = `tool_call`. */
export const LINEAGE_SPAN_TYPE_VALUE_TOOL_CALL = 'tool_call' as const;
/** `lineage.span.type` = `output`. */
export const LINEAGE_SPAN_TYPE_VALUE_OUTPUT = 'output' as const;

/**
 * Run id (trace id) of the parent run when this run was spawned by another agent.
 *
 * Type: `string`. Requirement: conditionally_required (the run was spawned by another run (also carried in W3C Baggage as lineage.run.id)).
 * Span types: run.
 */
export const ATTR_LINEAGE_RUN_PARENT_ID = 'lineage.run.parent_id' as const;

/**
 * Deployment environment the run executed in.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: run.
 */
export const ATTR_LINEAGE_RUN_ENVIRONMENT = 'lineage.run.environment' as const;

/**
 * What started the run.
 *
 * Type: `'user' | 'schedule' | 'api' | 'agent' | 'event'`. Requirement: recommended.
 * Span types: run.
 */
export const ATTR_LINEAGE_RUN_TRIGGER = 'lineage.run.trigger' as const;
/** `lineage.run.trigger` = `user`. */
export const LINEAGE_RUN_TRIGGER_VALUE_USER = 'user' as const;
/** `lineage.run.trigger` = `schedule`. */
export const LINEAGE_RUN_TRIGGER_VALUE_SCHEDULE = 'schedule' as const;
/** `lineage.run.trigger` = `api`. */
export const LINEAGE_RUN_TRIGGER_VALUE_API = 'api' as const;
/** `lineage.run.trigger` = `agent`. */
export const LINEAGE_RUN_TRIGGER_VALUE_AGENT = 'agent' as const;
/** `lineage.run.trigger` = `event`. */
export const LINEAGE_RUN_TRIGGER_VALUE_EVENT = 'event' as const;

/**
 * Keyed HMAC-SHA-256 pseudonym of the triggering actor. Never the raw identifier.
 *
 * Type: `string`. Requirement: conditionally_required (an actor was given and a pseudonymisation key is configured).
 * Span types: run.
 */
export const ATTR_LINEAGE_RUN_ACTOR = 'lineage.run.actor' as const;

/**
 * Version of the agent code (release, git sha).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: run.
 */
export const ATTR_LINEAGE_AGENT_VERSION = 'lineage.agent.version' as const;

/**
 * Exact model checkpoint that answered (dated or versioned name), taken from the response when the provider reports it.
 *
 * Type: `string`. Requirement: required.
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_MODEL_VERSION = 'lineage.model.version' as const;

/**
 * False when the model name looks like a moving alias (`*-latest`, no date or version) so the exact version is unknown.
 *
 * Type: `boolean`. Requirement: required.
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_MODEL_PINNED = 'lineage.model.pinned' as const;

/**
 * SHA-256 of the system prompt (UTF-8; several system messages are hashed as one JSON array).
 *
 * Type: `string`. Requirement: conditionally_required (the request had a system prompt).
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_PROMPT_SYSTEM_SHA256 = 'lineage.prompt.system.sha256' as const;

/**
 * Identifier of the prompt template the messages were rendered from.
 *
 * Type: `string`. Requirement: opt_in.
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_PROMPT_TEMPLATE_ID = 'lineage.prompt.template.id' as const;

/**
 * Version of the prompt template.
 *
 * Type: `string`. Requirement: opt_in.
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_PROMPT_TEMPLATE_VERSION = 'lineage.prompt.template.version' as const;

/**
 * SHA-256 of the span's input — RFC 8785 canonical JSON of the request messages for a model invocation, of the arguments for a tool call.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: model_invocation, tool_call.
 */
export const ATTR_LINEAGE_INPUT_SHA256 = 'lineage.input.sha256' as const;

/**
 * SHA-256 of the canonical JSON of the tool definitions offered to the model.
 *
 * Type: `string`. Requirement: conditionally_required (tools were offered).
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_TOOLS_SHA256 = 'lineage.tools.sha256' as const;

/**
 * SHA-256 of what the span produced — model output, tool result, or the delivered final output.
 *
 * Type: `string`. Requirement: required.
 * Span types: model_invocation, tool_call, output.
 */
export const ATTR_LINEAGE_OUTPUT_SHA256 = 'lineage.output.sha256' as const;

/**
 * Where a final output was delivered.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: output.
 */
export const ATTR_LINEAGE_OUTPUT_CHANNEL = 'lineage.output.channel' as const;

/**
 * Keyed HMAC-SHA-256 pseudonym of who received the output. Never the raw identifier.
 *
 * Type: `string`. Requirement: conditionally_required (a recipient was given and a pseudonymisation key is configured).
 * Span types: output.
 */
export const ATTR_LINEAGE_OUTPUT_RECIPIENT = 'lineage.output.recipient' as const;

/**
 * Milliseconds from the start of a streamed model invocation to its first token.
 *
 * Type: `double`. Requirement: conditionally_required (the response was streamed).
 * Span types: model_invocation.
 */
export const ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS = 'lineage.response.time_to_first_token_ms' as const;

/**
 * SHA-256 of the retrieval query or DB query fingerprint (normalised text).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: retrieval.
 */
export const ATTR_LINEAGE_QUERY_SHA256 = 'lineage.query.sha256' as const;

/**
 * Snapshot or version of the index a retrieval read.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: retrieval.
 */
export const ATTR_LINEAGE_INDEX_VERSION = 'lineage.index.version' as const;

/**
 * Number of DataSources the span obtained, including dropped ones.
 *
 * Type: `int`. Requirement: required.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_DATASOURCE_COUNT = 'lineage.datasource.count' as const;

/**
 * DataSources not recorded because the per-span limit was reached, or because the source was invalid or could not be hashed.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_DATASOURCE_DROPPED = 'lineage.datasource.dropped' as const;

/**
 * Stable identifier of one DataSource (document or chunk id, table+key, URL). Recorded on a lineage.datasource event.
 *
 * Type: `string`. Requirement: required.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_DATASOURCE_ID = 'lineage.datasource.id' as const;

/**
 * Kind of DataSource. Recorded on a lineage.datasource event.
 *
 * Type: `'rag_chunk' | 'db_result' | 'api_response' | 'tool_output' | 'document'`. Requirement: required.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_DATASOURCE_KIND = 'lineage.datasource.kind' as const;
/** `lineage.datasource.kind` = `rag_chunk`. */
export const LINEAGE_DATASOURCE_KIND_VALUE_RAG_CHUNK = 'rag_chunk' as const;
/** `lineage.datasource.kind` = `db_result`. */
export const LINEAGE_DATASOURCE_KIND_VALUE_DB_RESULT = 'db_result' as const;
/** `lineage.datasource.kind` = `api_response`. */
export const LINEAGE_DATASOURCE_KIND_VALUE_API_RESPONSE = 'api_response' as const;
/** `lineage.datasource.kind` = `tool_output`. */
export const LINEAGE_DATASOURCE_KIND_VALUE_TOOL_OUTPUT = 'tool_output' as const;
/** `lineage.datasource.kind` = `document`. */
export const LINEAGE_DATASOURCE_KIND_VALUE_DOCUMENT = 'document' as const;

/**
 * Where the DataSource lives (source document URI, API endpoint, table).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_DATASOURCE_URI = 'lineage.datasource.uri' as const;

/**
 * When the DataSource was ingested into its index (ISO 8601).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: retrieval.
 */
export const ATTR_LINEAGE_DATASOURCE_INGESTED_AT = 'lineage.datasource.ingested_at' as const;

/**
 * SHA-256 of a DataSource's content (chunk text, result set, response body, tool output).
 *
 * Type: `string`. Requirement: required.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_CONTENT_SHA256 = 'lineage.content.sha256' as const;

/**
 * Size in bytes of the hashed content.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: retrieval, tool_call.
 */
export const ATTR_LINEAGE_CONTENT_SIZE = 'lineage.content.size' as const;

/**
 * The captured content itself (a DataSource's content on its lineage.datasource event, the delivered text on an output span). Only when content capture is on; truncated to the capture limit.
 *
 * Type: `string`. Requirement: opt_in.
 * Span types: retrieval, tool_call, output.
 */
export const ATTR_LINEAGE_CONTENT = 'lineage.content' as const;

/**
 * Relevance score the retriever gave the DataSource.
 *
 * Type: `double`. Requirement: recommended.
 * Span types: retrieval.
 */
export const ATTR_LINEAGE_RETRIEVAL_SCORE = 'lineage.retrieval.score' as const;

/**
 * SHA-256 of the request that produced an api_response DataSource.
 *
 * Type: `string`. Requirement: conditionally_required (kind is api_response).
 * Span types: tool_call, retrieval.
 */
export const ATTR_LINEAGE_REQUEST_SHA256 = 'lineage.request.sha256' as const;

/**
 * Version of the tool implementation.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: tool_call.
 */
export const ATTR_LINEAGE_TOOL_VERSION = 'lineage.tool.version' as const;

/**
 * SHA-256 of the canonical JSON of the tool's definition (name, description, parameter schema).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: tool_call.
 */
export const ATTR_LINEAGE_TOOL_DEFINITION_SHA256 = 'lineage.tool.definition.sha256' as const;

/**
 * Kind of lineage edge a span link records.
 *
 * Type: `'consumed' | 'contributed_to' | 'spawned_by' | 'triggered_by' | 'supersedes'`. Requirement: required.
 * Span types: run, model_invocation, output.
 */
export const ATTR_LINEAGE_LINK_TYPE = 'lineage.link.type' as const;
/** `lineage.link.type` = `consumed`. */
export const LINEAGE_LINK_TYPE_VALUE_CONSUMED = 'consumed' as const;
/** `lineage.link.type` = `contributed_to`. */
export const LINEAGE_LINK_TYPE_VALUE_CONTRIBUTED_TO = 'contributed_to' as const;
/** `lineage.link.type` = `spawned_by`. */
export const LINEAGE_LINK_TYPE_VALUE_SPAWNED_BY = 'spawned_by' as const;
/** `lineage.link.type` = `triggered_by`. */
export const LINEAGE_LINK_TYPE_VALUE_TRIGGERED_BY = 'triggered_by' as const;
/** `lineage.link.type` = `supersedes`. */
export const LINEAGE_LINK_TYPE_VALUE_SUPERSEDES = 'supersedes' as const;

/**
 * Which artifact of the linked span was meant (its content or output hash).
 *
 * Type: `string`. Requirement: opt_in.
 * Span types: model_invocation, output.
 */
export const ATTR_LINEAGE_LINK_ENTITY_SHA256 = 'lineage.link.entity.sha256' as const;

/**
 * True when the edge was inferred (content or tool-call-id match, structure, order) rather than declared by the caller.
 *
 * Type: `boolean`. Requirement: conditionally_required (the edge was inferred).
 * Span types: model_invocation, output.
 */
export const ATTR_LINEAGE_LINK_INFERRED = 'lineage.link.inferred' as const;

// --- gen_ai.* attributes emitted by the SDK

/**
 * The GenAI operation (invoke_agent, chat, text_completion, embeddings, retrieval, execute_tool).
 *
 * Type: `string`. Requirement: required.
 * Span types: run, model_invocation, retrieval, tool_call.
 */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;

/**
 * Model provider.
 *
 * Type: `string`. Requirement: required.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;

/**
 * Model name requested.
 *
 * Type: `string`. Requirement: required.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;

/**
 * Model name the provider reported answering.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;

/**
 * Provider's id of the completion.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;

/**
 * Why generation stopped, per choice.
 *
 * Type: `string[]`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;

/**
 * Sampling temperature.
 *
 * Type: `double`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;

/**
 * Nucleus sampling parameter.
 *
 * Type: `double`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;

/**
 * Maximum tokens to generate.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;

/**
 * Sampling seed.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed' as const;

/**
 * Frequency penalty.
 *
 * Type: `double`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty' as const;

/**
 * Presence penalty.
 *
 * Type: `double`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty' as const;

/**
 * Prompt tokens used.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;

/**
 * Completion tokens used.
 *
 * Type: `int`. Requirement: recommended.
 * Span types: model_invocation.
 */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;

/**
 * Human-readable agent name.
 *
 * Type: `string`. Requirement: required.
 * Span types: run.
 */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name' as const;

/**
 * Stable agent identifier.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: run.
 */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id' as const;

/**
 * Conversation or session the run belongs to.
 *
 * Type: `string`. Requirement: opt_in.
 * Span types: run.
 */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id' as const;

/**
 * The data source (index, store) a retrieval read.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: retrieval.
 */
export const ATTR_GEN_AI_DATA_SOURCE_ID = 'gen_ai.data_source.id' as const;

/**
 * Name of the executed tool.
 *
 * Type: `string`. Requirement: required.
 * Span types: tool_call.
 */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name' as const;

/**
 * Model-issued id of the tool call, joining the tool result to the invocation that consumes it.
 *
 * Type: `string`. Requirement: recommended.
 * Span types: tool_call.
 */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id' as const;

/**
 * Tool type (function, extension, datastore).
 *
 * Type: `string`. Requirement: recommended.
 * Span types: tool_call.
 */
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type' as const;

// --- span types

/** Every lineage span type. */
export const SPAN_TYPES = ['run', 'model_invocation', 'retrieval', 'tool_call', 'output'] as const;
/** A lineage span type. */
export type SpanType = (typeof SPAN_TYPES)[number];

// --- events

/**
 * One DataSource obtained by a retrieval or tool span. One event per source, bounded by the per-span limit.
 */
export const EVENT_LINEAGE_DATASOURCE = 'lineage.datasource' as const;

/**
 * Time the first token of a streamed response arrived.
 */
export const EVENT_LINEAGE_FIRST_TOKEN = 'lineage.first_token' as const;

// --- link types

/**
 * The linking model invocation (or output) consumed an artifact of the linked retrieval, tool call or model invocation.
 * Lineage edge: CONSUMED_BY.
 */
export const LINK_TYPE_CONSUMED = 'consumed' as const;

/**
 * The linked model invocation (or tool call) contributed to the linking final output.
 * Lineage edge: CONTRIBUTED_TO.
 */
export const LINK_TYPE_CONTRIBUTED_TO = 'contributed_to' as const;

/**
 * The linking run was started by the linked run (sub-agent).
 * Lineage edge: SPAWNED_BY.
 */
export const LINK_TYPE_SPAWNED_BY = 'spawned_by' as const;

/**
 * The linking run was started from the linked non-run span (an HTTP request, a job).
 * Lineage edge: TRIGGERED_BY.
 */
export const LINK_TYPE_TRIGGERED_BY = 'triggered_by' as const;

/**
 * The linking final output corrects and replaces the linked one.
 * Lineage edge: SUPERSEDED_BY.
 */
export const LINK_TYPE_SUPERSEDES = 'supersedes' as const;

/** Every lineage link type. */
export const LINK_TYPES = ['consumed', 'contributed_to', 'spawned_by', 'triggered_by', 'supersedes'] as const;
/** A lineage link type. */
export type LinkType = (typeof LINK_TYPES)[number];

// --- baggage

/**
 * Run id of the run that sent a request, so a remote sub-agent can link its run spawned_by the parent.
 */
export const BAGGAGE_LINEAGE_RUN_ID = 'lineage.run.id' as const;
