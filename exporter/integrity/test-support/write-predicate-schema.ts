/**
 * Regenerates attestation-predicate.schema.json from the zod schema:
 *   npx tsx exporter/integrity/test-support/write-predicate-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { outputAttestationPredicateJsonSchema } from '../attestation-predicate.js';

const target = fileURLToPath(new URL('../attestation-predicate.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(outputAttestationPredicateJsonSchema(), null, 2)}\n`);
