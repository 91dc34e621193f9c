import { z } from 'zod';

/** Thrown when a caller passes a cursor this store did not issue (or a corrupted one). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** Position after the last item of a page: items are ordered by (t, key) descending. */
export interface CursorPosition {
  readonly t: number;
  readonly key: number;
}

// Cursors arrive from API clients, so they are untrusted input and parsed with zod.
const cursorSchema = z.object({
  v: z.literal(1),
  q: z.string(),
  t: z.number().int(),
  k: z.number().int(),
});

/** Encodes an opaque cursor bound to one query kind (`q`), so a cursor cannot be replayed elsewhere. */
export function encodeCursor(query: string, pos: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, q: query, t: pos.t, k: pos.key }), 'utf8').toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; throws InvalidCursorError on anything else. */
export function decodeCursor(query: string, cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('invalid cursor: not a cursor issued by this store');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw new InvalidCursorError('invalid cursor: unexpected content');
  if (result.data.q !== query) {
    throw new InvalidCursorError(`invalid cursor: issued for ${result.data.q}, not ${query}`);
  }
  return { t: result.data.t, key: result.data.k };
}
