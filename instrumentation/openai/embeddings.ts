import { Buffer } from 'node:buffer';
import type { Attributes } from '@opentelemetry/api';
import type { ModelResponseInfo } from '../../src/model-response.js';
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
} from './attributes.js';
import type { InvocationRequest, InvocationResponse } from './invocation.js';
import { type Dict, dict, num, str } from './types.js';

/** Maps `embeddings.create` params; the input (text or token arrays) is the input hash. */
export function embeddingsRequest(params: Dict): InvocationRequest {
  const attributes: Attributes = {};
  const format = str(params.encoding_format);
  // The client asks for base64 when the caller did not choose: that is what goes on the wire.
  attributes[ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [format ?? 'base64'];
  return {
    request: {
      provider: 'openai',
      operation: 'embeddings',
      model: str(params.model),
      messages: params.input,
    },
    extra: attributes,
    content: params.input,
  };
}

/**
 * Parses an embeddings response. The output hash is the SHA-256 of every vector's
 * little-endian float32 bytes, concatenated in `index` order: the bytes the API sent in
 * base64, so `encoding_format: 'base64'` (strings), the client's default decoding (number
 * arrays) and `'float'` all give the same hash for the same vectors. Embeddings are not
 * tracked as run artifacts (a final answer is never their verbatim text).
 */
export function embeddingsResponse(result: unknown): InvocationResponse | undefined {
  const r = dict(result);
  if (r === undefined || !Array.isArray(r.data)) return undefined;
  const items = r.data
    .map((raw, position) => ({ item: dict(raw), position }))
    .sort((a, b) => (num(a.item?.index) ?? a.position) - (num(b.item?.index) ?? b.position));
  const chunks: Uint8Array[] = [];
  let dimensions: number | undefined;
  for (const { item } of items) {
    const bytes = vectorBytes(item?.embedding);
    if (bytes === undefined) return summary(r, undefined, undefined);
    dimensions ??= bytes.byteLength / 4;
    chunks.push(bytes);
  }
  return summary(r, Buffer.concat(chunks), dimensions);
}

function summary(
  r: Dict,
  output: Uint8Array | undefined,
  dimensions: number | undefined,
): InvocationResponse {
  const usage = dict(r.usage);
  const info: ModelResponseInfo = {
    model: str(r.model),
    inputTokens: num(usage?.prompt_tokens),
    output,
  };
  const extra: Attributes = {};
  if (dimensions !== undefined) extra[ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions;
  return { info, tracked: false, extra };
}

/** Float32 little-endian bytes of one embedding (base64 string or number array). */
function vectorBytes(embedding: unknown): Uint8Array | undefined {
  if (typeof embedding === 'string') return Buffer.from(embedding, 'base64');
  if (!Array.isArray(embedding)) return undefined;
  const floats = new Float32Array(embedding.length);
  for (let i = 0; i < embedding.length; i++) {
    const v = embedding[i];
    if (typeof v !== 'number') return undefined;
    floats[i] = v;
  }
  // Float32Array uses the platform's byte order; every platform Node supports is little-endian.
  return new Uint8Array(floats.buffer);
}
