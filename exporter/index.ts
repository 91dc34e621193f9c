/**
 * agent-lineage/exporter: span batches → lineage graph (GraphStore) and PROV-O archive
 * (ArchiveStore). Importing this entry point loads no database driver; SQLite is opened
 * on first use.
 */
export {
  type CreateLineageExporterOptions,
  createLineageExporter,
  embeddedStorePaths,
} from './create-lineage-exporter.js';
export { type FinalisedRun, RunFinaliser, type RunFinaliserOptions } from './finalise/run-finaliser.js';
export {
  LineageLogRecordExporter,
  type LineageLogRecordExporterOptions,
} from './lineage-log-record-exporter.js';
export { LineageSpanExporter, type LineageSpanExporterOptions } from './lineage-span-exporter.js';
export type { ContentEvent } from './logs/content-event.js';
export { type LogView, otlpLogsRequestToViews, readableLogRecordsToViews } from './logs/log-view.js';
export { inferRunEdges } from './mapping/infer-edges.js';
export { mapSpans } from './mapping/map-spans.js';
export { resolveLink } from './mapping/resolve-link.js';
export type {
  EdgeType,
  LineageEdge,
  LineageNode,
  LinkIntent,
  MappedBatch,
  NodeKind,
  RejectedSpan,
  SpanRecord,
} from './model/lineage-record.js';
export type { SpanView } from './model/span-view.js';
export {
  IngestPipeline,
  type IngestPipelineOptions,
  type IngestResult,
  type LogIngestResult,
} from './pipeline/ingest-pipeline.js';
export {
  ArchiveConflictError,
  type ArchiveLocation,
  type ArchivePutRequest,
  type ArchiveStore,
} from './ports/archive-store.js';
export type {
  BackwardLineage,
  CompletenessReport,
  ContentWriteResult,
  GraphStore,
  OutputHit,
  Page,
  RunFinalisation,
  RunGraph,
  RunHit,
  SourceHit,
  WriteResult,
} from './ports/graph-store.js';
export { PROV_CONTEXT, PROV_CONTEXT_VERSION } from './prov/context.js';
export { runGraphToProvBundle } from './prov/run-graph-to-prov-bundle.js';
export { serialiseBundle } from './prov/serialise-bundle.js';
export { otlpRequestToViews } from './span-view/from-otlp.js';
export { type ReadableSpanLike, readableSpansToViews } from './span-view/from-readable-span.js';
export { FsArchiveStore, type FsArchiveStoreOptions } from './stores/fs-archive/fs-archive-store.js';
export {
  openSqliteGraphStore,
  SqliteGraphStore,
  type SqliteGraphStoreOptions,
} from './stores/sqlite/sqlite-graph-store.js';
