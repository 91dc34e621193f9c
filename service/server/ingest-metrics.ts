import { Counter, Gauge, type Registry } from 'prom-client';
import type { RejectionCounter } from '../../exporter/pipeline/rejection-counter.js';

/** Ingest-side metrics, registered on the API's registry so /metrics shows everything. */
export interface IngestMetrics {
  readonly spansAccepted: Counter<string>;
  readonly runsFinalised: Counter<string>;
}

/** Registers ingest metrics; rejections and finalisation failures are read at scrape time. */
export function registerIngestMetrics(
  registry: Registry,
  rejections: RejectionCounter,
  finaliseFailures: () => number,
): IngestMetrics {
  const spansAccepted = new Counter({
    name: 'lineage_spans_accepted_total',
    help: 'Spans durably committed to the lineage store',
    registers: [registry],
  });
  new Counter({
    name: 'lineage_spans_rejected_total',
    help: 'Spans rejected alone, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(rejections.snapshot())) this.inc({ reason }, count);
    },
  });
  const runsFinalised = new Counter({
    name: 'lineage_runs_finalised_total',
    help: 'Run bundles written to the archive (main and supplementary)',
    registers: [registry],
  });
  new Gauge({
    name: 'lineage_finalise_consecutive_failures',
    help: 'Consecutive finalisation failures (0 when healthy)',
    registers: [registry],
    collect() {
      this.set(finaliseFailures());
    },
  });
  return { spansAccepted, runsFinalised };
}
