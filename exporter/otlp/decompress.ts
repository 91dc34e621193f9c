import { gunzip } from 'node:zlib';
import { OtlpDecodeError, OtlpLimitError } from './receiver-errors.js';

/**
 * Gunzips a request body, refusing to produce more than `maxBytes`: zlib stops inflating at
 * the bound, so a gzip bomb costs at most `maxBytes` of memory. Corrupt gzip is a decode error.
 */
export function gunzipBounded(body: Uint8Array, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (error, result) => {
      if (error === null) {
        resolve(result);
      } else if (
        (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
        error instanceof RangeError
      ) {
        reject(
          new OtlpLimitError(
            'decompressed-bytes',
            `request body decompresses to more than ${maxBytes} bytes (the limit)`,
          ),
        );
      } else {
        reject(new OtlpDecodeError(`malformed gzip body: ${error.message}`));
      }
    });
  });
}
