import type OpenAI from 'openai';
import type { Corpus, CorpusDocument } from './corpus.js';

/** Embedding model the examples use (the fake server answers it deterministically). */
export const EMBEDDING_MODEL = 'text-embedding-3-small';

/** An in-memory vector index over one corpus snapshot. */
export interface VectorIndex {
  readonly corpus: Corpus;
  /** Embedding model the vectors came from; queries must use the same one. */
  readonly model: string;
  readonly entries: readonly { readonly document: CorpusDocument; readonly vector: readonly number[] }[];
}

/**
 * Embeds every document of a corpus in one request (the OpenAI client asks for base64
 * float32 and decodes it). This is ingestion, not part of an agent run, so it is not
 * recorded as lineage: the run records the index version and each chunk's ingestion time.
 */
export async function buildVectorIndex(
  client: OpenAI,
  corpus: Corpus,
  model: string = EMBEDDING_MODEL,
): Promise<VectorIndex> {
  const response = await client.embeddings.create({ model, input: corpus.documents.map((d) => d.text) });
  const entries = corpus.documents.map((document, i) => {
    const embedding = response.data.find((e) => e.index === i)?.embedding;
    if (embedding === undefined) throw new Error(`no embedding returned for ${document.id}`);
    return { document, vector: embedding };
  });
  return { corpus, model, entries };
}
