import { type PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';

const PAGE_WIDTH = 595.28; // A4 in points
const PAGE_HEIGHT = 841.89;
const MARGIN = 48;
const MONO_SIZE = 8;
// Courier advances 0.6 em per glyph, so a monospaced line holds a fixed number of characters.
const MONO_CHARS = Math.floor((PAGE_WIDTH - 2 * MARGIN) / (0.6 * MONO_SIZE));

/** Fonts the writer uses (standard 14 fonts: nothing to embed, always readable). */
export interface WriterFonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  readonly mono: PDFFont;
  /** Bold monospaced, for table headers (must share the mono advance width to line up). */
  readonly monoBold: PDFFont;
}

/**
 * Makes text safe for the standard fonts, which only encode WinAnsi: anything outside
 * printable ASCII (including control characters from untrusted ids) becomes `?`.
 */
export function pdfSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Cuts a cell to `width` characters and pads it, marking cut text with `~`. */
export function cell(text: string, width: number): string {
  const t = pdfSafe(text);
  return t.length > width ? `${t.slice(0, width - 1)}~` : t.padEnd(width);
}

/** A tiny top-to-bottom text layout over pdf-lib pages with automatic page breaks. */
export class PdfTextWriter {
  readonly #doc: PDFDocument;
  readonly #fonts: WriterFonts;
  #page: PDFPage;
  #y: number;

  constructor(doc: PDFDocument, fonts: WriterFonts) {
    this.#doc = doc;
    this.#fonts = fonts;
    this.#page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.#y = PAGE_HEIGHT - MARGIN;
  }

  /** Characters per monospaced line. */
  get monoWidth(): number {
    return MONO_CHARS;
  }

  /** Starts a new page. */
  newPage(): void {
    this.#page = this.#doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.#y = PAGE_HEIGHT - MARGIN;
  }

  /** A title line. */
  title(text: string): void {
    this.#line(pdfSafe(text), this.#fonts.bold, 18, 26);
  }

  /** A section heading; starts a new page when little room is left. */
  heading(text: string): void {
    if (this.#y < MARGIN + 80) this.newPage();
    this.gap(6);
    this.#line(pdfSafe(text), this.#fonts.bold, 13, 18);
  }

  /** A paragraph in the proportional font, wrapped to the page width. */
  paragraph(text: string, size = 10): void {
    const font = this.#fonts.regular;
    const max = PAGE_WIDTH - 2 * MARGIN;
    let line = '';
    for (const word of pdfSafe(text).split(/\s+/)) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && font.widthOfTextAtSize(candidate, size) > max) {
        this.#line(line, font, size, size * 1.4);
        line = word;
      } else {
        line = candidate;
      }
    }
    if (line) this.#line(line, font, size, size * 1.4);
  }

  /** A monospaced line, hard-wrapped at the page width (ids and hashes must stay complete). */
  mono(text: string, bold = false): void {
    const t = pdfSafe(text);
    for (let i = 0; i < Math.max(t.length, 1); i += MONO_CHARS) {
      this.#line(
        t.slice(i, i + MONO_CHARS),
        bold ? this.#fonts.monoBold : this.#fonts.mono,
        MONO_SIZE,
        MONO_SIZE * 1.35,
      );
    }
  }

  /** Vertical space. */
  gap(points: number): void {
    this.#y -= points;
  }

  #line(text: string, font: PDFFont, size: number, lead: number): void {
    if (this.#y - lead < MARGIN) this.newPage();
    this.#y -= lead;
    this.#page.drawText(text, { x: MARGIN, y: this.#y, size, font, color: rgb(0.1, 0.1, 0.1) });
  }

  /** Writes `page i of n` footers on every page; call once at the end. */
  footers(label: string): void {
    const pages = this.#doc.getPages();
    pages.forEach((p, i) => {
      p.drawText(pdfSafe(`${label} - page ${i + 1} of ${pages.length}`), {
        x: MARGIN,
        y: MARGIN / 2,
        size: 7,
        font: this.#fonts.regular,
        color: rgb(0.4, 0.4, 0.4),
      });
    });
  }
}
