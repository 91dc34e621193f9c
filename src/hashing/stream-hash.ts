import { createHash } from 'node:crypto';
import type { ContentDigest } from './sha256.js';

/**
 * Hashes a byte stream without buffering it: any async or sync iterable of `Uint8Array`
 * or string chunks (strings are UTF-8 encoded), which includes Node `Readable` streams
 * and web `ReadableStream`s on Node 20.
 * @throws {TypeError} when a chunk is neither bytes nor text.
 */
export async function digestStream(
  source: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<ContentDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      const bytes = new TextEncoder().encode(chunk);
      hash.update(bytes);
      size += bytes.byteLength;
    } else if (chunk instanceof Uint8Array) {
      hash.update(chunk);
      size += chunk.byteLength;
    } else {
      throw new TypeError(`digestStream: chunk of type ${typeof chunk} is neither a Uint8Array nor a string`);
    }
  }
  return { sha256: hash.digest('hex'), size };
}
