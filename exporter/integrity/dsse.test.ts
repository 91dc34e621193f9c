import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DsseEnvelope,
  DsseError,
  dsseSignerFromNoteKey,
  dsseVerifierFromNoteKey,
  preAuthEncoding,
  signEnvelope,
  verifyEnvelope,
} from './dsse.js';
import { generateNoteSigner, verifierOf } from './note-key.js';

const TYPE = 'application/vnd.in-toto+json';
const body = new TextEncoder().encode('{"hello":"world"}');
const keyPair = () => generateKeyPairSync('ed25519');

describe('DSSE pre-authentication encoding', () => {
  it('matches the DSSE protocol test vector', () => {
    const pae = preAuthEncoding('http://example.com/HelloWorld', new TextEncoder().encode('hello world'));
    expect(new TextDecoder().decode(pae)).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not UTF-16 code units', () => {
    const pae = preAuthEncoding('t/é', new TextEncoder().encode('ü'));
    expect(new TextDecoder().decode(pae)).toBe('DSSEv1 4 t/é 2 ü');
  });
});

describe('DSSE envelopes with Ed25519', () => {
  const a = keyPair();
  const b = keyPair();

  it('round-trip and report which trusted key verified', () => {
    const env = signEnvelope(TYPE, body, [{ keyid: 'a', privateKey: a.privateKey }]);
    expect(env.payload).toBe(Buffer.from(body).toString('base64'));
    const opened = verifyEnvelope(JSON.parse(JSON.stringify(env)), [
      { keyid: 'b', publicKey: b.publicKey },
      { keyid: 'a', publicKey: a.publicKey },
    ]);
    expect(opened.payloadType).toBe(TYPE);
    expect(opened.payload).toEqual(body);
    expect(opened.verifiedBy).toEqual([1]);
  });

  it('detect a tampered payload, payload type or signature', () => {
    const env = signEnvelope(TYPE, body, [{ privateKey: a.privateKey }]);
    const trusted = [{ publicKey: a.publicKey }];
    const tampered: DsseEnvelope[] = [
      { ...env, payload: Buffer.from('{"hello":"World"}').toString('base64') },
      { ...env, payloadType: 'application/json' },
      {
        ...env,
        signatures: [
          {
            sig: Buffer.from(
              Buffer.from(env.signatures[0]?.sig ?? '', 'base64').map((x, i) => (i === 0 ? x ^ 1 : x)),
            ).toString('base64'),
          },
        ],
      },
    ];
    for (const t of tampered) {
      expect(() => verifyEnvelope(t, trusted)).toThrow(
        expect.objectContaining({ code: 'signature-threshold' }),
      );
    }
  });

  it('reject a signature by an untrusted key, and a key id hint that points elsewhere', () => {
    const env = signEnvelope(TYPE, body, [{ keyid: 'a', privateKey: a.privateKey }]);
    expect(() => verifyEnvelope(env, [{ publicKey: b.publicKey }])).toThrow(DsseError);
    expect(() => verifyEnvelope(env, [{ keyid: 'other', publicKey: a.publicKey }])).toThrow(DsseError);
  });

  it('enforce a threshold of distinct trusted keys', () => {
    const both = signEnvelope(TYPE, body, [{ privateKey: a.privateKey }, { privateKey: b.privateKey }]);
    const trusted = [{ publicKey: a.publicKey }, { publicKey: b.publicKey }];
    expect(verifyEnvelope(both, trusted, { threshold: 2 }).verifiedBy).toEqual([0, 1]);
    const twiceA = signEnvelope(TYPE, body, [{ privateKey: a.privateKey }, { privateKey: a.privateKey }]);
    expect(() => verifyEnvelope(twiceA, trusted, { threshold: 2 })).toThrow(DsseError);
  });

  it('accept URL-safe base64 and reject garbage', () => {
    const env = signEnvelope(TYPE, body, [{ privateKey: a.privateKey }]);
    const url = {
      ...env,
      payload: Buffer.from(body).toString('base64url'),
      signatures: env.signatures.map((s) => ({ sig: Buffer.from(s.sig, 'base64').toString('base64url') })),
    };
    expect(verifyEnvelope(url, [{ publicKey: a.publicKey }]).payload).toEqual(body);
    expect(() => verifyEnvelope({ ...env, payload: 'not base64!' }, [{ publicKey: a.publicKey }])).toThrow(
      expect.objectContaining({ code: 'malformed-envelope' }),
    );
    expect(() => verifyEnvelope({ payload: env.payload }, [{ publicKey: a.publicKey }])).toThrow(DsseError);
    expect(() => verifyEnvelope({ ...env, signatures: [] }, [{ publicKey: a.publicKey }])).toThrow(DsseError);
  });

  it('check the payload type after the signatures', () => {
    const env = signEnvelope('application/x-other', body, [{ privateKey: a.privateKey }]);
    expect(() => verifyEnvelope(env, [{ publicKey: a.publicKey }], { payloadType: TYPE })).toThrow(
      expect.objectContaining({ code: 'unexpected-payload-type' }),
    );
  });

  it('sign with the log note key, key id hint <name>+<hex id>', () => {
    const log = generateNoteSigner('lineage.example/log');
    const env = signEnvelope(TYPE, body, [dsseSignerFromNoteKey(log)]);
    expect(env.signatures[0]?.keyid).toBe(`lineage.example/log+${log.keyId.toString(16).padStart(8, '0')}`);
    expect(verifyEnvelope(env, [dsseVerifierFromNoteKey(verifierOf(log))]).verifiedBy).toEqual([0]);
  });
});
