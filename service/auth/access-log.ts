import { z } from 'zod';

/** One auditor request as written to the access log. */
export const accessLogEntrySchema = z.strictObject({
  /** ISO 8601 time the response was decided. */
  time: z.string(),
  keyId: z.string(),
  method: z.string(),
  /** Request path with query string, capped in length. */
  path: z.string(),
  status: z.number().int(),
  decision: z.enum(['allowed', 'denied']),
});

/** One access log entry. */
export type AccessLogEntry = z.infer<typeof accessLogEntrySchema>;

/** A page of access log entries, oldest first, with an opaque cursor for the next page. */
export interface AccessLogPage {
  readonly items: readonly AccessLogEntry[];
  readonly nextCursor?: string;
  /** Lines in this page's byte range that were not valid entries (e.g. torn by a crash). */
  readonly corruptLines?: number;
}

/**
 * Append-only log of auditor requests. `append` resolves only once the entry is durable,
 * so the API can refuse to answer when the log cannot be written (fail closed).
 */
export interface AccessLog {
  append(entry: AccessLogEntry): Promise<void>;
  /** Entries oldest first. An unknown or malformed cursor throws InvalidCursorError. */
  read(options: { cursor?: string; limit: number }): Promise<AccessLogPage>;
  close(): Promise<void>;
}

/** Raised by `read` for a cursor that this log did not produce. */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor ${JSON.stringify(cursor.slice(0, 64))}`);
    this.name = 'InvalidCursorError';
  }
}
