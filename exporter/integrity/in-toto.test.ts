import { describe, expect, it } from 'vitest';
import { dsseSignerFromNoteKey, dsseVerifierFromNoteKey } from './dsse.js';
import {
  buildStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  InTotoError,
  signStatement,
  verifyStatement,
} from './in-toto.js';
import { generateNoteSigner, verifierOf } from './note-key.js';

const OUTPUT = 'c'.repeat(64);
const logKey = generateNoteSigner('lineage.example.com/log');

describe('in-toto Statement v1', () => {
  it('builds the v1 shape and round-trips through DSSE', () => {
    const st = buildStatement([{ name: 'out', digest: { sha256: OUTPUT } }], 'https://example.com/p/v1', {
      a: 1,
    });
    expect(st._type).toBe(IN_TOTO_STATEMENT_TYPE);
    const env = signStatement(st, [dsseSignerFromNoteKey(logKey)]);
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    // Canonical JSON payload: deterministic bytes.
    expect(Buffer.from(env.payload, 'base64').toString()).toBe(
      `{"_type":"https://in-toto.io/Statement/v1","predicate":{"a":1},"predicateType":"https://example.com/p/v1","subject":[{"digest":{"sha256":"${OUTPUT}"},"name":"out"}]}`,
    );
    const { statement } = verifyStatement(env, [dsseVerifierFromNoteKey(verifierOf(logKey))]);
    expect(statement).toEqual(st);
  });

  it('rejects invalid statements and non-statement payloads', () => {
    expect(() => buildStatement([], 'https://example.com/p', {})).toThrow(InTotoError);
    expect(() =>
      buildStatement([{ name: 'x', digest: { sha256: 'ABC' } }], 'https://example.com/p', {}),
    ).toThrow(InTotoError);
    const env = signStatement(
      {
        _type: IN_TOTO_STATEMENT_TYPE,
        subject: [{ name: 'x', digest: { sha256: OUTPUT } }],
        predicateType: 'p',
        predicate: {},
      },
      [dsseSignerFromNoteKey(logKey)],
    );
    expect(() =>
      verifyStatement(env, [dsseVerifierFromNoteKey(verifierOf(logKey))], { predicateType: 'other' }),
    ).toThrow(InTotoError);
  });
});
