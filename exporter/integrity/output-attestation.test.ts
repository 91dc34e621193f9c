import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  OUTPUT_ATTESTATION_PREDICATE_TYPE,
  type OutputAttestationPredicate,
  outputAttestationPredicateJsonSchema,
} from './attestation-predicate.js';
import { signCheckpoint } from './checkpoint.js';
import type { DsseEnvelope } from './dsse.js';
import { logLeafHash } from './log-leaf.js';
import { hashLeaf, inclusionProof, nodeReaderFromLeaves, rootHash } from './merkle.js';
import { generateNoteSigner, verifierOf } from './note-key.js';
import {
  buildOutputAttestation,
  bundleLeafOf,
  OutputAttestationError,
  signOutputAttestation,
  verifyOutputAttestation,
} from './output-attestation.js';

const ORIGIN = 'lineage.example.com/log';
const OUTPUT = 'c'.repeat(64);
const logKey = generateNoteSigner(ORIGIN);
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** A log of 13 leaves where leaf 9 is our bundle, plus a signed checkpoint at size 13. */
function fixture(): { predicate: OutputAttestationPredicate } {
  const base: OutputAttestationPredicate = {
    runId: '4bf92f3577b34da6a3ce929d0e0e4736',
    agent: { name: 'loan-agent', version: '1.4.0' },
    models: [{ provider: 'openai', version: 'gpt-4o-2024-08-06', pinned: true }],
    dataSources: [
      { sha256: 'd'.repeat(64), kind: 'rag_chunk', id: 'chunk-1', indexVersion: 'idx-2026-11-01' },
    ],
    bundle: {
      sha256: 'e'.repeat(64),
      archiveKey: '2026/11/24/loan-agent/4bf92f3577b34da6a3ce929d0e0e4736.jsonld',
      sequence: 0,
    },
    log: { origin: ORIGIN, leafIndex: 9 },
  };
  const leaves = Array.from({ length: 13 }, (_, i) =>
    i === 9 ? logLeafHash(bundleLeafOf(base)) : hashLeaf(new TextEncoder().encode(`other-${i}`)),
  );
  const read = nodeReaderFromLeaves((i) => leaves[i] as Uint8Array);
  const root = rootHash(13, read);
  const checkpoint = signCheckpoint({ origin: ORIGIN, size: 13, rootHash: root }, [logKey]);
  return {
    predicate: {
      ...base,
      log: {
        ...base.log,
        inclusion: {
          treeSize: 13,
          rootHash: b64(root),
          proof: inclusionProof(9, 13, read).map(b64),
          checkpoint,
        },
      },
    },
  };
}

function sign(predicate: OutputAttestationPredicate): DsseEnvelope {
  return signOutputAttestation(buildOutputAttestation(OUTPUT, predicate), logKey);
}

function failedCheck(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof OutputAttestationError) return err.check;
    throw err;
  }
  return undefined;
}

describe('per-output attestation', () => {
  const trusted = verifierOf(logKey);

  it('verifies offline, inclusion evidence included', () => {
    const { predicate } = fixture();
    const env = sign(predicate);
    const result = verifyOutputAttestation(JSON.parse(JSON.stringify(env)), trusted, {
      outputSha256: OUTPUT,
    });
    expect(result.inclusionVerified).toBe(true);
    expect(result.outputSha256).toBe(OUTPUT);
    expect(result.predicate).toEqual(predicate);
  });

  it('verifies without inclusion evidence and says so', () => {
    const { predicate } = fixture();
    const { inclusion: _dropped, ...log } = predicate.log;
    expect(verifyOutputAttestation(sign({ ...predicate, log }), trusted).inclusionVerified).toBe(false);
  });

  it('names the failed check for each tampering', () => {
    const { predicate } = fixture();
    const env = sign(predicate);
    const editPayload = (edit: (st: Record<string, unknown>) => void): DsseEnvelope => {
      const st = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as Record<string, unknown>;
      edit(st);
      return { ...env, payload: Buffer.from(JSON.stringify(st)).toString('base64') };
    };
    // Payload edited after signing.
    expect(
      failedCheck(() =>
        verifyOutputAttestation(
          editPayload((st) => {
            (st.predicate as OutputAttestationPredicate).models = [];
          }),
          trusted,
        ),
      ),
    ).toBe('signature');
    // Signed by another key.
    expect(
      failedCheck(() =>
        verifyOutputAttestation(
          signOutputAttestation(buildOutputAttestation(OUTPUT, predicate), generateNoteSigner(ORIGIN)),
          trusted,
        ),
      ),
    ).toBe('signature');
    // Wrong output asked for.
    expect(failedCheck(() => verifyOutputAttestation(env, trusted, { outputSha256: 'f'.repeat(64) }))).toBe(
      'subject',
    );
    // Bundle hash changed (re-signed by the log key): leaf no longer in the tree.
    expect(
      failedCheck(() =>
        verifyOutputAttestation(
          sign({ ...predicate, bundle: { ...predicate.bundle, sha256: 'f'.repeat(64) } }),
          trusted,
        ),
      ),
    ).toBe('inclusion');
    // Wrong leaf index.
    expect(
      failedCheck(() =>
        verifyOutputAttestation(sign({ ...predicate, log: { ...predicate.log, leafIndex: 8 } }), trusted),
      ),
    ).toBe('inclusion');
    const inclusion = predicate.log.inclusion;
    if (!inclusion) throw new Error('fixture has inclusion');
    // Checkpoint from an untrusted key.
    const rogueCheckpoint = signCheckpoint(
      { origin: ORIGIN, size: 13, rootHash: Buffer.from(inclusion.rootHash, 'base64') },
      [generateNoteSigner(ORIGIN)],
    );
    expect(
      failedCheck(() =>
        verifyOutputAttestation(
          sign({
            ...predicate,
            log: { ...predicate.log, inclusion: { ...inclusion, checkpoint: rogueCheckpoint } },
          }),
          trusted,
        ),
      ),
    ).toBe('checkpoint');
    // Inclusion evidence for a different size than the checkpoint.
    expect(
      failedCheck(() =>
        verifyOutputAttestation(
          sign({ ...predicate, log: { ...predicate.log, inclusion: { ...inclusion, treeSize: 14 } } }),
          trusted,
        ),
      ),
    ).toBe('checkpoint');
  });

  it('rejects an invalid predicate when building', () => {
    const { predicate } = fixture();
    expect(() => buildOutputAttestation(OUTPUT, { ...predicate, runId: 'not-a-trace-id' })).toThrow(
      OutputAttestationError,
    );
    expect(() =>
      buildOutputAttestation(OUTPUT, { ...predicate, extra: true } as OutputAttestationPredicate),
    ).toThrow(OutputAttestationError);
  });

  it('attestation-predicate.schema.json is generated from the zod schema (regenerate: npx tsx exporter/integrity/test-support/write-predicate-schema.ts)', () => {
    const file = fileURLToPath(new URL('./attestation-predicate.schema.json', import.meta.url));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(outputAttestationPredicateJsonSchema());
    expect(outputAttestationPredicateJsonSchema().$id).toBe(
      `${OUTPUT_ATTESTATION_PREDICATE_TYPE}/schema.json`,
    );
  });
});
