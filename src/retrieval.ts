import { context, INVALID_SPAN_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_LINEAGE_INDEX_VERSION,
  ATTR_LINEAGE_QUERY_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import { getConfig } from './config.js';
import { type DataSourceInput, DataSourceRecorder, optionalHash, queryFingerprint } from './datasource.js';
import { type LineageHandle, RecordedHandle } from './handles.js';
import { reportDrop, reportFailure } from './report.js';
import { getRunState } from './run-state.js';
import { isThenable, quiet, runInSpan } from './traced-call.js';

/** Options of {@link recordRetrieval}. */
export interface RetrievalOptions<T = unknown> {
  /** The index or store read (`gen_ai.data_source.id`); names the span `retrieval {dataSourceId}`. */
  readonly dataSourceId?: string;
  /** The query; only its fingerprint (`lineage.query.sha256`) is recorded. */
  readonly query?: unknown;
  /** Index snapshot read (`lineage.index.version`), the default for every source. */
  readonly indexVersion?: string;
  /** Maps the function's result to the sources it holds, as an alternative to `scope.addSource`. */
  readonly sources?: (result: T) => Iterable<DataSourceInput>;
}

/** Lets the retrieval function record the sources it obtained. */
export interface SourceScope {
  /** Handle of the span itself (all of its sources). */
  readonly handle: LineageHandle;
  /** Records one DataSource; returns its handle, or `undefined` when it was dropped. Never throws. */
  addSource(source: DataSourceInput): LineageHandle | undefined;
}

/** A no-op scope for when lineage failed before the user's function could run. */
export const DETACHED_SCOPE: SourceScope = {
  handle: new RecordedHandle('retrieval', INVALID_SPAN_CONTEXT),
  addSource: () => undefined,
};

/**
 * Runs a retrieval (vector search, DB query, API read) as a `retrieval` span and records
 * the DataSources it obtained as `lineage.datasource` events. Sources are remembered by
 * the active run so a later model invocation whose prompt contains them is linked
 * `consumed` automatically. The result or exception passes through unchanged.
 * @throws {TypeError} only when `fn` is not a function.
 */
export function recordRetrieval<T>(options: RetrievalOptions<Awaited<T>>, fn: (scope: SourceScope) => T): T {
  if (typeof fn !== 'function') throw new TypeError('recordRetrieval: fn must be a function');
  let prepared: ReturnType<typeof beginRetrieval<T>>;
  try {
    prepared = beginRetrieval<T>(options);
  } catch (error) {
    reportFailure('recordRetrieval', error);
    return fn(DETACHED_SCOPE);
  }
  const { span, ctx, scope, recorder, describe } = prepared;
  return runInSpan(
    span,
    ctx,
    () => fn(scope),
    {
      onResult: (result) => {
        if (describe !== undefined) addDescribed(recorder, describe, result);
        return undefined;
      },
      beforeEnd: () => recorder.finish(),
    },
    'recordRetrieval',
  );
}

function beginRetrieval<T>(raw: RetrievalOptions<Awaited<T>>) {
  const config = getConfig();
  const options: RetrievalOptions<Awaited<T>> = typeof raw === 'object' && raw !== null ? raw : {};
  const parent = context.active();
  // Every option is read once, before the span starts: a getter that throws must not leave a
  // started span behind.
  const indexVersion = options.indexVersion;
  const sources = options.sources;
  const describe = typeof sources === 'function' ? sources : undefined;
  const b = new AttributeBuilder(config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'retrieval')
    .set(ATTR_GEN_AI_OPERATION_NAME, 'retrieval')
    .string(ATTR_GEN_AI_DATA_SOURCE_ID, options.dataSourceId)
    .set(ATTR_LINEAGE_QUERY_SHA256, optionalHash(queryFingerprint, options.query))
    .string(ATTR_LINEAGE_INDEX_VERSION, indexVersion);
  const dataSourceId = b.attributes[ATTR_GEN_AI_DATA_SOURCE_ID];
  const name = typeof dataSourceId === 'string' ? `retrieval ${dataSourceId}` : 'retrieval';
  const span = config.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: b.attributes }, parent);
  const recorder = new DataSourceRecorder(span, config, getRunState(parent), { indexVersion });
  const scope = sourceScope(new RecordedHandle('retrieval', span.spanContext()), recorder);
  return { span, ctx: trace.setSpan(parent, span), scope, recorder, describe };
}

/** A scope whose addSource never throws. */
export function sourceScope(handle: LineageHandle, recorder: DataSourceRecorder): SourceScope {
  return { handle, addSource: (source) => recorder.add(source) };
}

function addDescribed<T>(
  recorder: DataSourceRecorder,
  describe: (result: T) => Iterable<DataSourceInput>,
  result: T,
): void {
  try {
    const described = describe(result);
    if (isThenable(described)) {
      // sources() must answer synchronously; its promise's rejection must not go unhandled.
      quiet(described);
      reportDrop('recordRetrieval', 'sources() returned a promise; it must return the sources themselves');
      return;
    }
    let read = 0;
    for (const source of described) {
      // An endless iterable must not hang the host: read a bounded number, count the rest as cut.
      if (++read > MAX_DESCRIBED_SOURCES) {
        reportDrop(
          'recordRetrieval',
          `sources() gave more than ${MAX_DESCRIBED_SOURCES}; the rest were not read`,
        );
        break;
      }
      recorder.add(source);
    }
  } catch (error) {
    reportFailure('recordRetrieval sources()', error);
  }
}

/** Sources read from one `sources()` answer at most (far above `maxSourcesPerSpan`, which counts drops). */
const MAX_DESCRIBED_SOURCES = 100_000;
