import type { CompletenessReport, RunGraph } from '../../exporter/ports/graph-store.js';
import { completeReport } from '../../exporter/ports/graph-store.js';
import type { ApiLimits, ServiceDeps } from '../api/app-deps.js';
import type { LineageService } from '../api/lineage-service.js';
import { ProblemError } from '../api/problem.js';
import { redactGraph } from '../api/redact-content.js';
import type { ReportSelection } from '../api/request-schemas.js';
import { createRunResolver } from '../api/run-resolver.js';
import { runStartMs } from '../api/run-time.js';
import { runInScope } from '../auth/auditor-scope.js';
import { mayReadContent, type Principal } from '../auth/principal.js';
import { buildAuditReportModel } from './audit-report-model.js';
import { renderAuditReportPdf } from './render-audit-report-pdf.js';
import { selectArchivedRuns } from './select-archived-runs.js';

/** Name of the PROV-O attachment inside every audit report. */
export const REPORT_ATTACHMENT_NAME = 'lineage.jsonld';

/** Generates audit report PDFs. */
export interface AuditReportService {
  /**
   * The report for the selected runs. Run ids: every run must exist (else 404) and, for
   * an auditor, be in scope (else 403). Date range: the archived runs that started in the
   * range, filtered to an auditor's scope; more than `maxReportRuns` → 422.
   */
  generate(principal: Principal, selection: ReportSelection): Promise<Uint8Array>;
}

/** Builds the report service. */
export function createAuditReportService(
  deps: Pick<ServiceDeps, 'store' | 'archive' | 'integrityStatus' | 'clock'> & {
    readonly lineage: Pick<LineageService, 'requireRun' | 'jsonLdOf'>;
    readonly limits: Pick<ApiLimits, 'maxReportRuns'>;
  },
): AuditReportService {
  const { store, archive, integrityStatus, clock, lineage, limits } = deps;

  const tooMany = (n: number) =>
    new ProblemError(
      422,
      'too-many-runs',
      'Unprocessable Content',
      `the selection holds more than ${limits.maxReportRuns} runs (found ${n}); narrow the range`,
    );

  return {
    async generate(principal, selection) {
      const runs = createRunResolver(store);
      const graphs: RunGraph[] = [];
      const notInHotStore: string[] = [];
      let description: string;
      if ('runIds' in selection) {
        for (const runId of selection.runIds) graphs.push(await lineage.requireRun(principal, runId, runs));
        description = `${selection.runIds.length} run(s) named in the request`;
      } else {
        const fromMs = Date.parse(selection.from);
        const toMs = Date.parse(selection.to);
        // Day prefixes also hold runs from outside the exact hours, so allow some slack
        // before giving up, and apply the real bound after filtering.
        const candidateCap = limits.maxReportRuns * 10;
        const { runIds: ids, unresolvedKeys } = await selectArchivedRuns(archive, fromMs, toMs, candidateCap);
        if (ids.length > candidateCap) throw tooMany(ids.length);
        notInHotStore.push(...unresolvedKeys);
        for (const runId of ids) {
          const graph = await runs.graph(runId);
          if (!graph) {
            notInHotStore.push(runId);
            continue;
          }
          const start = runStartMs(graph);
          if (start === undefined || start < fromMs || start > toMs) continue;
          // A range is a list query: an auditor gets the in-scope runs, not a 403.
          if (runInScope(principal, runId, start)) graphs.push(graph);
        }
        if (graphs.length > limits.maxReportRuns) throw tooMany(graphs.length);
        graphs.sort((a, b) => (runStartMs(a) ?? 0) - (runStartMs(b) ?? 0) || (a.runId < b.runId ? -1 : 1));
        description = `archived runs started from ${selection.from} to ${selection.to}`;
      }

      const runIds = graphs.map((g) => g.runId);
      const completeness: CompletenessReport =
        runIds.length > 0
          ? await store.completeness({ runIds, sampleLimit: 20 })
          : // Asking the store about zero runs would mean "all runs"; an empty selection has no findings.
            completeReport(0);
      const contentIncluded = mayReadContent(principal);
      const parts = graphs.map((g) => Buffer.from(lineage.jsonLdOf(principal, g)).toString('utf8'));
      // A JSON array of the per-run bundles, each exactly as GET /lineage/runs/{id} returns it.
      const attachment = new TextEncoder().encode(`[${parts.join(',')}]`);
      const model = buildAuditReportModel({
        graphs: contentIncluded ? graphs : graphs.map(redactGraph),
        completeness,
        integrity: runIds.length > 0 ? await integrityStatus(runIds) : [],
        generatedAtMs: clock(),
        requestedBy: { keyId: principal.keyId, role: principal.role },
        selection: description,
        contentIncluded,
        notInHotStore,
        attachmentName: REPORT_ATTACHMENT_NAME,
      });
      return renderAuditReportPdf(model, attachment);
    },
  };
}
