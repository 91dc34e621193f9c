import { AFRelationship, PDFDocument, StandardFonts } from 'pdf-lib';
import type { AuditReportModel } from './audit-report-model.js';
import { cell, PdfTextWriter } from './pdf-text-writer.js';

/** Media type of the embedded PROV-O document. */
export const JSONLD_MEDIA_TYPE = 'application/ld+json';

// Rows per table before the report says "… and N more"; the full data is in the attachment.
const MAX_ROWS = 2000;

/**
 * Renders the audit report: human-readable pages (summary, runs, agents, models, data
 * sources, completeness, integrity) and the runs' PROV-O JSON-LD embedded as a file
 * attachment (an EmbeddedFile in the document's EmbeddedFiles name tree, AFRelationship
 * Data), so `pdfdetach -list` shows it and `pdfdetach -save` extracts it byte for byte.
 */
export async function renderAuditReportPdf(model: AuditReportModel, jsonLd: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const when = new Date(model.generatedAtMs);
  doc.setTitle('agent-lineage audit report');
  doc.setSubject(`Lineage of ${model.runs.length} agent run(s): ${model.selection}`);
  doc.setAuthor('agent-lineage');
  doc.setCreator('agent-lineage Lineage API');
  doc.setProducer('agent-lineage (pdf-lib)');
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  const w = new PdfTextWriter(doc, {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
    monoBold: await doc.embedFont(StandardFonts.CourierBold),
  });

  w.title('Audit report: AI agent output lineage');
  w.paragraph(
    `Generated ${when.toISOString()} for key "${model.requestedBy.keyId}" (role ${model.requestedBy.role}).`,
  );
  w.paragraph(`Selection: ${model.selection}.`);
  w.paragraph(
    `${model.runs.length} run(s), ${model.agents.length} agent version(s), ${model.models.length} model version(s), ` +
      `${model.dataSources.length} data source record(s).`,
  );
  w.paragraph(
    `The machine-readable W3C PROV-O lineage (JSON-LD) of these runs is attached to this PDF as "${model.attachmentName}" ` +
      `(extract with: pdfdetach -save 1 report.pdf). Captured content (prompts, retrieved text, outputs) is ` +
      `${model.contentIncluded ? 'INCLUDED in the attachment (engineering role)' : 'not included'}; content hashes always are.`,
  );
  if (model.notInHotStore.length > 0) {
    w.paragraph(
      `${model.notInHotStore.length} archived run(s) in the range are no longer in the hot store and are not covered: ` +
        `${model.notInHotStore.slice(0, 20).join(', ')}${model.notInHotStore.length > 20 ? ', ...' : ''}.`,
    );
  }

  w.heading('1. Runs');
  w.mono(
    `${cell('run id', 34)} ${cell('started (UTC)', 24)} ${cell('agent', 22)} ${cell('version', 12)} status`,
    true,
  );
  for (const r of model.runs.slice(0, MAX_ROWS)) {
    w.mono(
      `${cell(r.runId, 34)} ${cell(r.startMs === undefined ? '-' : new Date(r.startMs).toISOString(), 24)} ` +
        `${cell(r.agentName, 22)} ${cell(r.agentVersion, 12)} ${r.status}`,
    );
    w.mono(
      `    env ${r.environment}; ${r.nodes} nodes, ${r.edges} edges, ${r.danglingLinks} dangling links; archive: ${r.finalised}`,
    );
  }
  more(w, model.runs.length);

  w.heading('2. Agents and versions');
  w.mono(`${cell('agent', 48)} ${cell('version', 24)} runs`, true);
  for (const a of model.agents.slice(0, MAX_ROWS))
    w.mono(`${cell(a.name, 48)} ${cell(a.version, 24)} ${a.runs}`);
  more(w, model.agents.length);

  w.heading('3. Models and versions');
  w.mono(
    `${cell('provider', 14)} ${cell('requested model', 26)} ${cell('exact version', 34)} ${cell('pinned', 7)} calls runs`,
    true,
  );
  for (const m of model.models.slice(0, MAX_ROWS)) {
    w.mono(
      `${cell(m.provider, 14)} ${cell(m.requestModel, 26)} ${cell(m.version, 34)} ${cell(m.pinned, 7)} ` +
        `${String(m.invocations).padStart(5)} ${String(m.runs).padStart(4)}`,
    );
  }
  more(w, model.models.length);
  if (model.models.some((m) => m.pinned === 'no')) {
    w.paragraph(
      'Models marked "pinned: no" were called by an alias (e.g. *-latest) rather than an exact version.',
      9,
    );
  }

  w.heading('4. Data sources');
  w.mono(`${cell('source id', 44)} ${cell('kind', 13)} ${cell('index version', 20)} runs`, true);
  for (const s of model.dataSources.slice(0, MAX_ROWS)) {
    w.mono(`${cell(s.sourceId, 44)} ${cell(s.kind, 13)} ${cell(s.indexVersion, 20)} ${s.runs}`);
    w.mono(`    sha256 ${s.sha256}`);
    if (s.uri !== '-') w.mono(`    uri ${s.uri}`);
  }
  more(w, model.dataSources.length);

  w.heading('5. Completeness findings');
  const c = model.completeness;
  const findings: [string, readonly string[]][] = [
    ['runs without a final output', c.runsWithoutFinalOutput],
    ['runs without a model invocation', c.runsWithoutModelInvocation],
    ['retrievals without a data source', c.retrievalsWithoutDataSource],
    ['orphan nodes', c.orphanNodes],
    ['dangling links', c.danglingLinks],
    ['cycles', c.cycles],
  ];
  w.paragraph(`Checked ${c.runs} run(s). Examples are listed (up to the store's sample limit).`);
  for (const [label, ids] of findings) {
    w.mono(`${cell(label, 36)} ${ids.length === 0 ? 'none' : `${ids.length} example(s)`}`, ids.length > 0);
    for (const id of ids) w.mono(`    ${id}`);
  }

  w.heading('6. Integrity status');
  w.mono(`${cell('run id', 34)} ${cell('status', 24)} detail`, true);
  for (const i of model.integrity.slice(0, MAX_ROWS)) {
    w.mono(`${cell(i.runId, 34)} ${cell(i.status, 24)} ${i.detail ?? ''}`);
  }
  more(w, model.integrity.length);

  w.footers(`agent-lineage audit report ${when.toISOString()}`);
  await doc.attach(jsonLd, model.attachmentName, {
    mimeType: JSONLD_MEDIA_TYPE,
    description: 'W3C PROV-O lineage of the reported runs (JSON-LD, one prov:Bundle per run)',
    creationDate: when,
    modificationDate: when,
    afRelationship: AFRelationship.Data,
  });
  return doc.save({ useObjectStreams: false });
}

function more(w: PdfTextWriter, total: number): void {
  if (total === 0) w.mono('(none)');
  if (total > MAX_ROWS) w.mono(`... and ${total - MAX_ROWS} more (see the attachment)`);
}
