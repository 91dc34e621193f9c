import { SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_LINEAGE_INDEX_VERSION,
  ATTR_LINEAGE_QUERY_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
} from '../../semconv/index.js';
import { AttributeBuilder } from '../../src/attributes.js';
import { DataSourceRecorder, optionalHash, queryFingerprint } from '../../src/datasource.js';
import { describeError } from '../../src/report.js';
import { documentToSource } from './document-source.js';
import { type OpenRun, type SpanDeps, type SpanParent, serializedName, str } from './open-run.js';

/** The LangChain arguments of a retriever start. */
export interface RetrieverStart {
  readonly serialized: unknown;
  readonly query: unknown;
  /** Run name (`withConfig({ runName })`), the preferred `gen_ai.data_source.id`. */
  readonly name: unknown;
}

/**
 * Starts a retrieval span (`retrieval {name}`): the retriever's run name or class as
 * `gen_ai.data_source.id`, and only a fingerprint of the query.
 */
export function startRetrievalSpan(start: RetrieverStart, parent: SpanParent, deps: SpanDeps): OpenRun {
  const b = new AttributeBuilder(deps.config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'retrieval')
    .set(ATTR_GEN_AI_OPERATION_NAME, 'retrieval')
    .string(ATTR_GEN_AI_DATA_SOURCE_ID, str(start.name) ?? serializedName(start.serialized))
    .set(ATTR_LINEAGE_QUERY_SHA256, optionalHash(queryFingerprint, start.query));
  const dataSourceId = b.attributes[ATTR_GEN_AI_DATA_SOURCE_ID];
  const span = deps.tracer.startSpan(
    typeof dataSourceId === 'string' ? `retrieval ${dataSourceId}` : 'retrieval',
    { kind: SpanKind.CLIENT, attributes: b.attributes },
    parent.ctx,
  );
  return {
    kind: 'retrieval',
    span,
    ctx: trace.setSpan(parent.ctx, span),
    runState: parent.runState,
    recorder: new DataSourceRecorder(span, deps.config, parent.runState),
    startedAt: performance.now(),
  };
}

/**
 * Records each retrieved document as a `lineage.datasource` event (bounded by the SDK's
 * per-span limit, drops counted). When every document names the same index version it
 * also becomes the span's `lineage.index.version`.
 */
export function finishRetrievalSpan(run: OpenRun, documents: unknown): void {
  const recorder = run.recorder;
  if (recorder === undefined) return;
  const versions = new Set<string | undefined>();
  if (Array.isArray(documents)) {
    for (let i = 0; i < documents.length; i++) {
      let source: ReturnType<typeof documentToSource>;
      try {
        source = documentToSource(documents[i]);
      } catch (error) {
        // One unreadable document is one dropped source, not the end of the list.
        recorder.skip(`document unreadable: ${describeError(error)}`);
        continue;
      }
      versions.add(source?.indexVersion);
      if (source !== undefined) recorder.add(source);
    }
  }
  const [only] = versions;
  if (versions.size === 1 && only !== undefined) run.span.setAttribute(ATTR_LINEAGE_INDEX_VERSION, only);
}
