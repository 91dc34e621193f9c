/** Deterministic node ids (exporter/model/lineage-record.ts), so a re-delivered span yields the same rows. */

/** ExecutionRun of a trace. */
export function runNodeId(traceId: string): string {
  return `run:${traceId}`;
}
/** ModelInvocation of a span. */
export function modelInvocationNodeId(traceId: string, spanId: string): string {
  return `mi:${traceId}:${spanId}`;
}
/** IntermediateArtifact (model output) of a span. */
export function artifactNodeId(traceId: string, spanId: string): string {
  return `art:${traceId}:${spanId}`;
}
/** The n-th DataSource a span obtained (n counts from 0 in span order). */
export function dataSourceNodeId(traceId: string, spanId: string, n: number): string {
  return `ds:${traceId}:${spanId}:${n}`;
}
/** FinalOutput of a span. */
export function finalOutputNodeId(traceId: string, spanId: string): string {
  return `out:${traceId}:${spanId}`;
}
/** Upstream system/span that triggered a run, named by the triggering span. */
export function upstreamNodeId(traceId: string, spanId: string): string {
  return `up:${traceId}:${spanId}`;
}
