/** Where one archived document lives. */
export interface ArchiveLocation {
  /** Store-relative key, e.g. `2026/11/24/loan-agent/4bf9…4736.jsonld`. */
  readonly key: string;
  /** Object version (S3 VersionId); absent on stores without versions. */
  readonly version?: string;
  readonly sha256: string;
  readonly size: number;
}

/** What a put needs to place the document. */
export interface ArchivePutRequest {
  readonly runId: string;
  readonly agentId: string;
  /** Run start, epoch ms: gives the date part of the key. */
  readonly runStartMs: number;
  /** 0 main bundle, n > 0 supplementary bundle n. */
  readonly sequence: number;
  readonly body: Uint8Array;
}

/**
 * The cold tier: write-once PROV-O documents. Adapters: filesystem (default), S3 with
 * Object Lock. A put never overwrites; putting the same key twice fails with
 * ArchiveConflictError unless the bytes are identical (then it returns the existing location).
 */
export interface ArchiveStore {
  put(request: ArchivePutRequest): Promise<ArchiveLocation>;
  get(key: string, version?: string): Promise<Uint8Array>;
  /** Keys under a date prefix (`yyyy`, `yyyy/mm`, `yyyy/mm/dd`, optionally `/agent`), sorted. */
  list(prefix?: string): AsyncIterable<string>;
  close(): Promise<void>;
}

/** Raised when a put would overwrite a different document. */
export class ArchiveConflictError extends Error {
  constructor(readonly key: string) {
    super(`archive key ${key} already holds a different document; archives are write-once`);
    this.name = 'ArchiveConflictError';
  }
}
