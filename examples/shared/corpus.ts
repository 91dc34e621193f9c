/** One document of a local example corpus, as an ingestion pipeline would have stored it. */
export interface CorpusDocument {
  /** Stable chunk id (`lineage.datasource.id`). */
  readonly id: string;
  /** Where the source document lives. */
  readonly uri: string;
  readonly title: string;
  readonly text: string;
  /** When the document was ingested into the index (ISO 8601). */
  readonly ingestedAt: string;
}

/** A corpus snapshot: the documents one index version was built from. */
export interface Corpus {
  /** Index name (`gen_ai.data_source.id`). */
  readonly name: string;
  /** Index snapshot (`lineage.index.version`). */
  readonly indexVersion: string;
  readonly documents: readonly CorpusDocument[];
}
