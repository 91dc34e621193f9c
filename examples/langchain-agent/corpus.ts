import { Document } from '@langchain/core/documents';

/** Index snapshot the example's vector store represents (`lineage.index.version`). */
export const CORPUS_INDEX_VERSION = 'kb-2026-11-01';

/** One chunk of the example's knowledge base. */
export interface CorpusEntry {
  /** Stable chunk id (`lineage.datasource.id`). */
  readonly id: string;
  /** Source document URI (`lineage.datasource.uri`). */
  readonly source: string;
  /** When the chunk was ingested into the index. */
  readonly ingestedAt: string;
  readonly text: string;
}

/** A small local knowledge base of a web shop's support policies. */
export const CORPUS: readonly CorpusEntry[] = [
  {
    id: 'kb-refunds#0',
    source: 'file:///kb/policies/refunds.md',
    ingestedAt: '2026-11-01T08:00:00.000Z',
    text: 'Refunds are issued to the original payment method within 14 days after the returned item arrives at our warehouse.',
  },
  {
    id: 'kb-refunds#1',
    source: 'file:///kb/policies/refunds.md',
    ingestedAt: '2026-11-01T08:00:00.000Z',
    text: 'Items bought on sale can be refunded as store credit only; shipping costs are not refunded.',
  },
  {
    id: 'kb-shipping#0',
    source: 'file:///kb/policies/shipping.md',
    ingestedAt: '2026-11-01T08:05:00.000Z',
    text: 'Standard shipping takes three to five working days; express orders placed before noon ship the same day.',
  },
  {
    id: 'kb-returns#0',
    source: 'file:///kb/policies/returns.md',
    ingestedAt: '2026-10-28T16:30:00.000Z',
    text: 'Returns are accepted within 30 days of delivery when the item is unused and in its original packaging.',
  },
];

/** The corpus as LangChain documents; the metadata carries what lineage records per chunk. */
export function corpusDocuments(): Document[] {
  return CORPUS.map(
    (entry) =>
      new Document({
        pageContent: entry.text,
        metadata: {
          id: entry.id,
          source: entry.source,
          ingested_at: entry.ingestedAt,
          index_version: CORPUS_INDEX_VERSION,
        },
      }),
  );
}
