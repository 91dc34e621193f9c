import { Buffer } from 'node:buffer';
import canonicalize from 'canonicalize';
import {
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_LINEAGE_CONTENT,
  ATTR_LINEAGE_CONTENT_SHA256,
  ATTR_LINEAGE_CONTENT_SIZE,
  ATTR_LINEAGE_DATASOURCE_ID,
  ATTR_LINEAGE_DATASOURCE_INGESTED_AT,
  ATTR_LINEAGE_DATASOURCE_KIND,
  ATTR_LINEAGE_DATASOURCE_URI,
  ATTR_LINEAGE_INDEX_VERSION,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_QUERY_SHA256,
  ATTR_LINEAGE_REQUEST_SHA256,
  ATTR_LINEAGE_RETRIEVAL_SCORE,
  ATTR_LINEAGE_TOOL_DEFINITION_SHA256,
  ATTR_LINEAGE_TOOL_VERSION,
  EVENT_LINEAGE_DATASOURCE,
} from '../../semconv/index.js';
import type { SpanRecord } from '../model/lineage-record.js';
import type { Attrs, SpanView } from '../model/span-view.js';
import { fieldNum, fieldStr, readIndexed, readJson, readNum, readStr } from './attr-read.js';
import { asSha256, sha256Text } from './content-hash.js';
import { EVENT_DB_QUERY_RESULT } from './detect-dialect.js';
import { hashContent, hashIdentity } from './hashed-content.js';
import type { DataSourceFact, DataSourceKind, HashedContent } from './span-facts.js';

const KINDS: readonly DataSourceKind[] = [
  'rag_chunk',
  'db_result',
  'api_response',
  'tool_output',
  'document',
];

/** Upper bound on DataSources taken from one span; the rest are ignored (the SDK bounds its own side). */
export const MAX_DATA_SOURCES_PER_SPAN = 1000;

function sizeOf(hash: HashedContent, recorded: number | undefined): number | undefined {
  if (recorded !== undefined) return recorded;
  return hash.content !== undefined ? Buffer.byteLength(hash.content, 'utf8') : undefined;
}

function docUri(metadata: unknown): string | undefined {
  const meta = typeof metadata === 'string' ? safeJson(metadata) : metadata;
  return (
    fieldStr(meta, 'uri') ?? fieldStr(meta, 'source') ?? fieldStr(meta, 'url') ?? fieldStr(meta, 'file_path')
  );
}

/** A document id kept in metadata (LangChain puts `id` there; OpenInference copies metadata verbatim). */
function docIdFromMetadata(metadata: unknown): string | undefined {
  const meta = typeof metadata === 'string' ? safeJson(metadata) : metadata;
  return fieldStr(meta, 'id') ?? fieldStr(meta, 'doc_id') ?? fieldStr(meta, 'document_id');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Metadata that is not JSON carries no URI we can use.
    return undefined;
  }
}

/** Text content as is; structured content as RFC 8785 canonical JSON (how structured values are hashed). */
function textish(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  try {
    return canonicalize(value);
  } catch {
    // Content with no JSON form cannot be hashed; the source falls back to its identity.
    return undefined;
  }
}

/** Builds one fact; undefined when the source has neither content, hash nor identity. */
function fact(
  kind: DataSourceKind,
  given: {
    sha256?: unknown;
    content?: string;
    sourceId?: string;
    uri?: string;
    size?: number;
    score?: number;
    ingestedAt?: string;
    indexVersion?: string;
    querySha256?: string;
    requestSha256?: string;
  },
  extra: Partial<DataSourceFact> = {},
): DataSourceFact | undefined {
  const hash =
    hashContent(given.sha256, given.content) ?? hashIdentity({ sourceId: given.sourceId, uri: given.uri });
  if (hash === undefined) return undefined;
  const size = sizeOf(hash, given.size);
  return {
    sourceKind: kind,
    hash,
    ...(given.sourceId !== undefined ? { sourceId: given.sourceId } : {}),
    ...(given.uri !== undefined ? { uri: given.uri } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(given.score !== undefined ? { score: given.score } : {}),
    ...(given.ingestedAt !== undefined ? { ingestedAt: given.ingestedAt } : {}),
    ...(given.indexVersion !== undefined ? { indexVersion: given.indexVersion } : {}),
    ...(given.querySha256 !== undefined ? { querySha256: given.querySha256 } : {}),
    ...(given.requestSha256 !== undefined ? { requestSha256: given.requestSha256 } : {}),
    ...extra,
  };
}

function kindOr(value: unknown, fallback: DataSourceKind): DataSourceKind {
  return (KINDS as readonly unknown[]).includes(value) ? (value as DataSourceKind) : fallback;
}

/** Span-level context every source of a retrieval shares. */
interface RetrievalContext {
  readonly indexVersion?: string;
  readonly querySha256?: string;
}

function fromLineageEvents(
  view: SpanView,
  fallback: DataSourceKind,
  ctx: RetrievalContext,
): DataSourceFact[] {
  const out: DataSourceFact[] = [];
  for (const event of view.events) {
    if (event.name !== EVENT_LINEAGE_DATASOURCE) continue;
    const a = event.attributes;
    const f = fact(kindOr(a[ATTR_LINEAGE_DATASOURCE_KIND], fallback), {
      sha256: a[ATTR_LINEAGE_CONTENT_SHA256],
      content: readStr(a, ATTR_LINEAGE_CONTENT),
      sourceId: readStr(a, ATTR_LINEAGE_DATASOURCE_ID),
      uri: readStr(a, ATTR_LINEAGE_DATASOURCE_URI),
      size: readNum(a, ATTR_LINEAGE_CONTENT_SIZE),
      score: readNum(a, ATTR_LINEAGE_RETRIEVAL_SCORE),
      ingestedAt: readStr(a, ATTR_LINEAGE_DATASOURCE_INGESTED_AT),
      indexVersion: readStr(a, ATTR_LINEAGE_INDEX_VERSION) ?? ctx.indexVersion,
      querySha256: asSha256(a[ATTR_LINEAGE_QUERY_SHA256]) ?? ctx.querySha256,
      requestSha256: asSha256(a[ATTR_LINEAGE_REQUEST_SHA256]),
    });
    if (f) out.push(f);
  }
  return out;
}

/** OTel GenAI `gen_ai.retrieval.documents`: JSON array of `{id, score, content?, uri?, metadata?}`. */
function fromGenAiDocuments(attrs: Attrs, ctx: RetrievalContext): DataSourceFact[] {
  const docs = readJson(attrs, 'gen_ai.retrieval.documents');
  if (!Array.isArray(docs)) return [];
  const out: DataSourceFact[] = [];
  for (const doc of docs) {
    const f = fact('rag_chunk', {
      sha256: fieldStr(doc, 'sha256'),
      content: textish(
        (doc as { content?: unknown; text?: unknown })?.content ?? (doc as { text?: unknown })?.text,
      ),
      sourceId: fieldStr(doc, 'id'),
      uri:
        fieldStr(doc, 'uri') ?? fieldStr(doc, 'source') ?? docUri((doc as { metadata?: unknown })?.metadata),
      score: fieldNum(doc, 'score'),
      ...ctx,
    });
    if (f) out.push(f);
  }
  return out;
}

/** OpenInference `retrieval.documents.N.document.{id,content,score,metadata}` (and reranker output). */
function fromOpenInferenceDocuments(attrs: Attrs, prefix: string, ctx: RetrievalContext): DataSourceFact[] {
  const out: DataSourceFact[] = [];
  for (const [, g] of readIndexed(attrs, prefix)) {
    const f = fact('rag_chunk', {
      content: readStr(g, 'document.content'),
      sourceId: readStr(g, 'document.id') ?? docIdFromMetadata(g['document.metadata']),
      uri: docUri(g['document.metadata']),
      score: readNum(g, 'document.score'),
      ...ctx,
    });
    if (f) out.push(f);
  }
  return out;
}

/** OpenLLMetry vector DB `db.query.result` events. */
function fromVectorDbEvents(view: SpanView, ctx: RetrievalContext): DataSourceFact[] {
  const out: DataSourceFact[] = [];
  for (const event of view.events) {
    if (event.name !== EVENT_DB_QUERY_RESULT) continue;
    const a = event.attributes;
    const f = fact('rag_chunk', {
      content: readStr(a, 'db.query.result.document'),
      sourceId: readStr(a, 'db.query.result.id') ?? docIdFromMetadata(a['db.query.result.metadata']),
      uri: docUri(a['db.query.result.metadata']),
      score: readNum(a, 'db.query.result.score'),
      ...ctx,
    });
    if (f) out.push(f);
  }
  return out;
}

function retrievalContext(attrs: Attrs): RetrievalContext {
  const recorded = asSha256(attrs[ATTR_LINEAGE_QUERY_SHA256]);
  const query =
    readStr(attrs, 'gen_ai.retrieval.query.text') ??
    (attrs['openinference.span.kind'] !== undefined ? readStr(attrs, 'input.value') : undefined);
  const indexVersion = readStr(attrs, ATTR_LINEAGE_INDEX_VERSION);
  const querySha256 = recorded ?? (query !== undefined ? sha256Text(query) : undefined);
  return {
    ...(indexVersion !== undefined ? { indexVersion } : {}),
    ...(querySha256 !== undefined ? { querySha256 } : {}),
  };
}

/** The tool's id for tool-call-id joins, as GenAI or OpenInference record it. */
export function readToolCallId(attrs: Attrs): string | undefined {
  return readStr(attrs, ATTR_GEN_AI_TOOL_CALL_ID) ?? readStr(attrs, 'tool_call.id');
}

function toolName(attrs: Attrs): string | undefined {
  return (
    readStr(attrs, ATTR_GEN_AI_TOOL_NAME) ??
    readStr(attrs, 'tool.name') ??
    readStr(attrs, 'tool_call.function.name') ??
    (attrs['traceloop.span.kind'] === 'tool' ||
    (attrs['traceloop.span.kind'] === 'task' && attrs['gen_ai.operation.name'] === 'execute_tool')
      ? readStr(attrs, 'traceloop.entity.name')
      : undefined)
  );
}

/** The result of a tool span: one DataSource of kind tool_output. */
function fromToolSpan(view: SpanView): DataSourceFact | undefined {
  const a = view.attributes;
  const result =
    readStr(a, 'gen_ai.tool.call.result') ??
    readStr(a, 'output.value') ??
    readStr(a, 'traceloop.entity.output');
  const args =
    readStr(a, 'gen_ai.tool.call.arguments') ??
    readStr(a, 'tool_call.function.arguments') ??
    readStr(a, 'input.value') ??
    readStr(a, 'traceloop.entity.input');
  const name = toolName(a);
  const callId = readToolCallId(a);
  const requestSha256 =
    asSha256(a[ATTR_LINEAGE_INPUT_SHA256]) ?? (args !== undefined ? sha256Text(args) : undefined);
  const version = readStr(a, ATTR_LINEAGE_TOOL_VERSION);
  const definition = asSha256(a[ATTR_LINEAGE_TOOL_DEFINITION_SHA256]);
  const hash =
    hashContent(a[ATTR_LINEAGE_OUTPUT_SHA256], result) ??
    hashIdentity({
      toolName: name,
      toolCallId: callId,
      spanId: callId === undefined ? view.spanId : undefined,
    });
  if (hash === undefined) return undefined;
  const size = sizeOf(hash, undefined);
  return {
    sourceKind: 'tool_output',
    hash,
    ...(name !== undefined ? { sourceId: name, toolName: name } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(requestSha256 !== undefined ? { requestSha256 } : {}),
    ...(version !== undefined ? { toolVersion: version } : {}),
    ...(definition !== undefined ? { toolDefinitionSha256: definition } : {}),
    ...(callId !== undefined ? { toolCallId: callId } : {}),
  };
}

/**
 * DataSources a retrieval or tool span obtained, in span order (their position is part
 * of the node id). Our `lineage.datasource` events win; otherwise GenAI
 * `gen_ai.retrieval.documents`, OpenInference `retrieval.documents.N.*` /
 * `reranker.output_documents.N.*`, OpenLLMetry `db.query.result` events. A tool span
 * without events yields its result as one `tool_output` source. Other spans yield none.
 */
export function readDataSources(view: SpanView, spanType: SpanRecord['spanType']): DataSourceFact[] {
  if (spanType !== 'retrieval' && spanType !== 'tool_call') return [];
  const attrs = view.attributes;
  const ctx = retrievalContext(attrs);
  const fallback: DataSourceKind = spanType === 'tool_call' ? 'tool_output' : 'document';
  let sources = fromLineageEvents(view, fallback, ctx);
  if (sources.length === 0 && spanType === 'retrieval') {
    sources = fromGenAiDocuments(attrs, ctx);
    if (sources.length === 0) sources = fromOpenInferenceDocuments(attrs, 'retrieval.documents.', ctx);
    if (sources.length === 0) sources = fromOpenInferenceDocuments(attrs, 'reranker.output_documents.', ctx);
    if (sources.length === 0) sources = fromVectorDbEvents(view, ctx);
  }
  if (sources.length === 0 && spanType === 'tool_call') {
    const tool = fromToolSpan(view);
    if (tool) sources = [tool];
  } else if (spanType === 'tool_call') {
    // Tool spans that record events still carry the call id and tool identity on the span.
    const name = toolName(attrs);
    const callId = readToolCallId(attrs);
    const version = readStr(attrs, ATTR_LINEAGE_TOOL_VERSION);
    const definition = asSha256(attrs[ATTR_LINEAGE_TOOL_DEFINITION_SHA256]);
    const requestSha256 = asSha256(attrs[ATTR_LINEAGE_INPUT_SHA256]);
    sources = sources.map((s) => ({
      ...s,
      ...(name !== undefined && s.toolName === undefined ? { toolName: name } : {}),
      ...(callId !== undefined && s.toolCallId === undefined ? { toolCallId: callId } : {}),
      ...(version !== undefined && s.toolVersion === undefined ? { toolVersion: version } : {}),
      ...(definition !== undefined && s.toolDefinitionSha256 === undefined
        ? { toolDefinitionSha256: definition }
        : {}),
      ...(requestSha256 !== undefined && s.requestSha256 === undefined ? { requestSha256 } : {}),
    }));
  }
  return sources.slice(0, MAX_DATA_SOURCES_PER_SPAN);
}
