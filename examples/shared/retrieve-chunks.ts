import type OpenAI from 'openai';
import { recordModelInvocation, recordRetrieval } from '../../src/index.js';
import type { CorpusDocument } from './corpus.js';
import { cosineSimilarity } from './cosine-similarity.js';
import type { VectorIndex } from './vector-index.js';

/** One retrieved chunk with its cosine score. */
export interface RetrievedChunk {
  readonly document: CorpusDocument;
  readonly score: number;
}

/**
 * Embeds the query and returns the `topK` most similar documents, recorded as a
 * `retrieval {corpus}` span whose `rag_chunk` DataSources carry id, URI, ingestion time,
 * score and index version. The query embedding is itself a model invocation (operation
 * `embeddings`), so the embedding model's version is part of the lineage too.
 */
export function retrieveChunks(
  client: OpenAI,
  index: VectorIndex,
  query: string,
  topK: number,
): Promise<RetrievedChunk[]> {
  return recordRetrieval(
    {
      dataSourceId: index.corpus.name,
      query,
      indexVersion: index.corpus.indexVersion,
      sources: (hits: RetrievedChunk[]) =>
        hits.map((hit) => ({
          kind: 'rag_chunk' as const,
          id: hit.document.id,
          uri: hit.document.uri,
          content: hit.document.text,
          score: hit.score,
          ingestedAt: hit.document.ingestedAt,
        })),
    },
    async () => {
      const response = await recordModelInvocation(
        { provider: 'openai', model: index.model, operation: 'embeddings' },
        () => client.embeddings.create({ model: index.model, input: query }),
      );
      const queryVector = response.data[0]?.embedding;
      if (queryVector === undefined) throw new Error('the embeddings response held no vector');
      return index.entries
        .map(({ document, vector }) => ({ document, score: cosineSimilarity(queryVector, vector) }))
        .sort((a, b) => b.score - a.score || a.document.id.localeCompare(b.document.id))
        .slice(0, topK);
    },
  );
}
