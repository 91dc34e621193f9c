import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { embed, float32ToBase64 } from '../../examples/fake-openai/responses.js';
import { sha256Bytes, sha256Json } from '../../src/hashing/sha256.js';
import { isPinnedModelName } from '../../src/model-pinning.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const INPUT = ['first chunk of text', 'second chunk of text'];
/** The bytes the fake sends: little-endian float32 vectors, concatenated in order. */
const VECTOR_BYTES = Buffer.concat(INPUT.map((t) => Buffer.from(float32ToBase64(embed(t)), 'base64')));

const client = () => suite.client();

describe('embeddings.create', () => {
  it('records the whole attribute map; the output hash is the hash of the vectors’ float32 bytes', async () => {
    const response = await client().embeddings.create({ model: 'text-embedding-3-small', input: INPUT });
    // The caller still gets decoded number arrays (the client asked for base64 and decoded it).
    expect(Array.isArray(response.data[0]?.embedding)).toBe(true);
    expect(suite.env.spans()[0]?.name).toBe('embeddings text-embedding-3-small');
    expect(suite.env.spans()[0]?.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.request.encoding_formats': ['base64'],
      'lineage.input.sha256': sha256Json(INPUT),
      'lineage.model.version': 'text-embedding-3-small',
      // Whatever the SDK's pinning rule says about this undated name.
      'lineage.model.pinned': isPinnedModelName('text-embedding-3-small'),
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(suite.server.baseURL).port),
      'gen_ai.response.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': response.usage.prompt_tokens,
      'gen_ai.embeddings.dimension.count': 16,
      'lineage.output.sha256': sha256Bytes(VECTOR_BYTES),
    });
  });

  it('gives the same output hash for base64 strings, decoded arrays and float JSON', async () => {
    const c = client();
    const asBase64 = await c.embeddings.create({
      model: 'text-embedding-3-small',
      input: INPUT,
      encoding_format: 'base64',
    });
    expect(typeof asBase64.data[0]?.embedding).toBe('string');
    await c.embeddings.create({ model: 'text-embedding-3-small', input: INPUT, encoding_format: 'float' });
    await c.embeddings.create({ model: 'text-embedding-3-small', input: INPUT });
    const hashes = suite.env.spans().map((s) => s.attributes['lineage.output.sha256']);
    expect(hashes).toEqual([sha256Bytes(VECTOR_BYTES), sha256Bytes(VECTOR_BYTES), sha256Bytes(VECTOR_BYTES)]);
    expect(suite.env.spans().map((s) => s.attributes['gen_ai.request.encoding_formats'])).toEqual([
      ['base64'],
      ['float'],
      ['base64'],
    ]);
  });
});
