/**
 * The predicate of our per-output attestation (issue 6): which run produced the output, with
 * which exact model versions, from which data (by content hash), in which archived bundle,
 * and where that bundle sits in the integrity log. attestation-predicate.schema.json is
 * generated from this schema (npx tsx exporter/integrity/test-support/write-predicate-schema.ts); a test fails when they drift.
 */
import { z } from 'zod';

/** predicateType of the output attestation; version 1 of this schema. */
export const OUTPUT_ATTESTATION_PREDICATE_TYPE = 'https://agent-lineage.dev/attestation/output/v1';

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe('Lowercase hex SHA-256.');
const base64Hash = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/)
  .describe('Standard base64 of a 32-byte SHA-256 hash.');
const text = z.string().min(1).max(1024);
const position = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const modelSchema = z
  .strictObject({
    version: text.describe('Exact model version used (lineage.model.version), never an alias.'),
    provider: text.optional().describe('Provider, e.g. openai (gen_ai.provider.name).'),
    pinned: z
      .boolean()
      .optional()
      .describe('false when the version looked like an alias such as *-latest (lineage.model.pinned).'),
  })
  .describe('One model version that contributed to the output.');

const dataSourceSchema = z
  .strictObject({
    sha256: sha256Hex.describe('Content hash of the source (lineage.content.sha256).'),
    kind: z.enum(['rag_chunk', 'db_result', 'api_response', 'tool_output', 'document']).optional(),
    id: text.optional().describe('lineage.datasource.id'),
    uri: text.optional().describe('lineage.datasource.uri'),
    indexVersion: text.optional().describe('RAG index snapshot (lineage.index.version).'),
  })
  .describe('One data source behind the output, identified by content hash.');

const bundleSchema = z
  .strictObject({
    sha256: sha256Hex.describe('SHA-256 of the archived PROV-O bundle bytes.'),
    archiveKey: text.describe('Archive key of the bundle.'),
    archiveVersion: text.optional().describe('Object version (S3 VersionId) when the archive has versions.'),
    sequence: position.describe('0 for the main bundle, n for supplementary bundle n.'),
  })
  .describe('The archived bundle that records the output; with runId it is exactly the bundle log leaf.');

const inclusionSchema = z
  .strictObject({
    treeSize: position.describe('Tree size the proof is relative to; equals the checkpoint size.'),
    rootHash: base64Hash.describe('Root hash at treeSize; equals the checkpoint root.'),
    proof: z.array(base64Hash).describe('RFC 9162 inclusion proof of the bundle leaf, leaf sibling first.'),
    checkpoint: z
      .string()
      .min(1)
      .describe('The C2SP signed-note checkpoint for treeSize, signed by the log key.'),
  })
  .describe('Self-contained inclusion evidence, so the attestation verifies offline.');

const logSchema = z
  .strictObject({
    origin: text.describe('Log origin (first checkpoint line).'),
    leafIndex: position.describe('Index of the bundle leaf in the log.'),
    inclusion: inclusionSchema.optional(),
  })
  .describe('Position of the bundle in the integrity log.');

/** Schema of the predicate (zod 4; strict objects: unknown fields are errors). */
export const outputAttestationPredicateSchema = z
  .strictObject({
    runId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .describe('ExecutionRun id = W3C trace id, 32 lowercase hex digits.'),
    agent: z
      .strictObject({ name: text, version: text.optional() })
      .optional()
      .describe('Agent that ran (gen_ai.agent.name / version).'),
    models: z.array(modelSchema).describe('Every model version whose invocation contributed to the output.'),
    dataSources: z.array(dataSourceSchema).describe('Every data source in the output lineage closure.'),
    bundle: bundleSchema,
    log: logSchema,
  })
  .describe('agent-lineage per-output attestation predicate, v1.');

export type OutputAttestationPredicate = z.infer<typeof outputAttestationPredicateSchema>;

/** The JSON Schema (draft 2020-12) document written to attestation-predicate.schema.json. */
export function outputAttestationPredicateJsonSchema(): Record<string, unknown> {
  return {
    $id: `${OUTPUT_ATTESTATION_PREDICATE_TYPE}/schema.json`,
    title: 'agent-lineage output attestation predicate v1',
    ...z.toJSONSchema(outputAttestationPredicateSchema),
  };
}
