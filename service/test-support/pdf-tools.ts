import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Debian package that provides each external tool the PDF tests use. */
const PACKAGE_OF: Readonly<Record<string, string>> = {
  qpdf: 'qpdf',
  pdfdetach: 'poppler-utils',
  pdftoppm: 'poppler-utils',
  pdftotext: 'poppler-utils',
};

/** Throws a clear error naming the apt package when a tool is missing (tests then fail, never skip). */
export async function requireTool(tool: keyof typeof PACKAGE_OF & string): Promise<void> {
  try {
    await run('which', [tool]);
  } catch {
    const pkg = PACKAGE_OF[tool] ?? tool;
    throw new Error(`${tool} is not installed: apt-get install -y --no-install-recommends ${pkg}`);
  }
}

/** What the PDF tools found in one PDF. */
export interface PdfInspection {
  readonly qpdfCheck: string;
  readonly attachmentList: string;
  /** Bytes of each attachment by file name (pdfdetach -save n). */
  readonly attachments: ReadonlyMap<string, Buffer>;
  /** Text of the pages (pdftotext). */
  readonly text: string;
}

/** Runs qpdf --check, pdfdetach -list and -save, and pdftotext on a PDF. */
export async function inspectPdf(pdf: Uint8Array, keepDir?: string): Promise<PdfInspection> {
  for (const tool of ['qpdf', 'pdfdetach', 'pdftotext'] as const) await requireTool(tool);
  const dir = keepDir ?? (await mkdtemp(join(tmpdir(), 'lineage-pdf-')));
  try {
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const check = await run('qpdf', ['--check', file]);
    const list = await run('pdfdetach', ['-list', file]);
    const names = [...list.stdout.matchAll(/^\s*(\d+):\s+(.+)$/gm)].map((m) => ({
      index: m[1] ?? '',
      name: (m[2] ?? '').trim(),
    }));
    const attachments = new Map<string, Buffer>();
    for (const { index, name } of names) {
      const out = join(dir, `attachment-${index}`);
      await run('pdfdetach', ['-save', index, '-o', out, file]);
      attachments.set(name, await readFile(out));
    }
    const text = await run('pdftotext', ['-layout', file, '-']);
    return { qpdfCheck: check.stdout, attachmentList: list.stdout, attachments, text: text.stdout };
  } finally {
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  }
}

/** Renders page `page` of a PDF to PNG at `dpi` with pdftoppm; returns the PNG path. */
export async function renderPage(pdf: Uint8Array, dir: string, page = 1, dpi = 50): Promise<string> {
  await requireTool('pdftoppm');
  const file = join(dir, 'render.pdf');
  await writeFile(file, pdf);
  await run('pdftoppm', [
    '-png',
    '-r',
    String(dpi),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    file,
    join(dir, `page-${page}`),
  ]);
  return join(dir, `page-${page}.png`);
}
