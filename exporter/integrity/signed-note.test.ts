import { describe, expect, it } from 'vitest';
import {
  decodeSignerKey,
  decodeVerifierKey,
  encodeSignerKey,
  encodeVerifierKey,
  generateNoteSigner,
  NoteKeyError,
  noteKeyId,
  verifierOf,
} from './note-key.js';
import { parseNote, SignedNoteError, signNote, verifyNote } from './signed-note.js';

/**
 * Known-answer vector from the documentation of golang.org/x/mod/sumdb/note (Go's reference
 * implementation). Ed25519 is deterministic, so signing must reproduce the line exactly.
 */
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG_LINE =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_ENOCH_LINE =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

describe('note keys (Go note package formats)', () => {
  it('decodes the Go signer and verifier keys and recomputes key id c74f20a3', () => {
    const signer = decodeSignerKey(GO_SKEY);
    const verifier = decodeVerifierKey(GO_VKEY);
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(verifier.keyId).toBe(0xc74f20a3);
    expect(noteKeyId('PeterNeumann', signer.publicKey)).toBe(0xc74f20a3);
    expect(encodeVerifierKey(verifierOf(signer))).toBe(GO_VKEY);
    expect(encodeSignerKey(signer)).toBe(GO_SKEY);
  });

  it('round-trips generated keys', () => {
    const signer = generateNoteSigner('lineage.example.com/log');
    const vkey = encodeVerifierKey(verifierOf(signer));
    expect(vkey).toMatch(/^lineage\.example\.com\/log\+[0-9a-f]{8}\+A[Q-Za-f][A-Za-z0-9+/]{42}$/);
    const back = decodeVerifierKey(vkey);
    expect(back.keyId).toBe(signer.keyId);
    expect(encodeVerifierKey(back)).toBe(vkey);
    expect(decodeSignerKey(encodeSignerKey(signer)).keyId).toBe(signer.keyId);
  });

  it('rejects malformed and mismatched keys', () => {
    const bad = [
      'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // wrong id
      'PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // wrong name
      'PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // algorithm 2
      'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // 7 hex digits
      'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10', // short key
      'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // space in name
      'PeterNeumann+c74f20a3', // missing key
    ];
    for (const k of bad) expect(() => decodeVerifierKey(k), k).toThrow(NoteKeyError);
    expect(() => decodeSignerKey(GO_SKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(NoteKeyError);
    expect(() => decodeSignerKey(GO_VKEY)).toThrow(NoteKeyError);
    expect(() => generateNoteSigner('a+b')).toThrow(NoteKeyError);
  });
});

describe('signed notes', () => {
  it('reproduces the Go known-answer signature byte for byte', () => {
    expect(signNote(GO_TEXT, [decodeSignerKey(GO_SKEY)])).toBe(`${GO_TEXT}\n${GO_SIG_LINE}`);
  });

  it('opens the Go note and ignores the unknown EnochRoot co-signature', () => {
    const opened = verifyNote(`${GO_TEXT}\n${GO_SIG_LINE}${GO_ENOCH_LINE}`, [decodeVerifierKey(GO_VKEY)]);
    expect(opened.text).toBe(GO_TEXT);
    expect(opened.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(opened.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
  });

  it('round-trips with several signers, accepts bytes, and reports each verified key', () => {
    const a = generateNoteSigner('a.example/log');
    const b = generateNoteSigner('b.example/witness');
    const note = signNote('hello\n\nworld\n', [a, b]);
    const opened = verifyNote(new TextEncoder().encode(note), [verifierOf(a), verifierOf(b)]);
    expect(opened.text).toBe('hello\n\nworld\n');
    expect(opened.verified.map((s) => s.name)).toEqual(['a.example/log', 'b.example/witness']);
    expect(verifyNote(note, [verifierOf(b)]).unverified.map((s) => s.name)).toEqual(['a.example/log']);
  });

  it('fails a tampered body with invalid-signature', () => {
    const signer = decodeSignerKey(GO_SKEY);
    const note = signNote(GO_TEXT, [signer]).replace('cryptography', 'cryptographY');
    expect(() => verifyNote(note, [verifierOf(signer)])).toThrow(
      expect.objectContaining({
        code: 'invalid-signature',
        message: expect.stringContaining('PeterNeumann+c74f20a3'),
      }),
    );
  });

  it('fails a tampered signature with invalid-signature', () => {
    const signer = generateNoteSigner('log.example');
    const note = signNote('x\n', [signer]);
    const [text, line] = note.split('\n\n') as [string, string];
    const raw = Buffer.from(line.split(' ')[2] as string, 'base64');
    raw[10] = (raw[10] as number) ^ 1;
    const tampered = `${text}\n\n— log.example ${raw.toString('base64')}\n`;
    expect(() => verifyNote(tampered, [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'invalid-signature' }),
    );
  });

  it('names the unknown key when no trusted key signed', () => {
    const signer = generateNoteSigner('rogue.example/log');
    const trusted = generateNoteSigner('lineage.example/log');
    const note = signNote('x\n', [signer]);
    let error: unknown;
    try {
      verifyNote(note, [verifierOf(trusted)]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SignedNoteError);
    expect((error as SignedNoteError).code).toBe('unknown-key');
    expect((error as SignedNoteError).message).toContain(
      `rogue.example/log+${signer.keyId.toString(16).padStart(8, '0')}`,
    );
  });

  it('treats the right key id under a wrong name as an unknown key', () => {
    const signer = generateNoteSigner('lineage.example/log');
    const renamed = signNote('x\n', [signer]).replace('— lineage.example/log ', '— lineage.example/other ');
    expect(() => verifyNote(renamed, [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'unknown-key' }),
    );
  });

  it('rejects malformed notes', () => {
    const signer = generateNoteSigner('log.example');
    const good = signNote('x\n', [signer]);
    const bad = [
      good.replace('\u2014', '-'), // hyphen instead of em dash
      good.slice(0, -1), // no final newline
      good.replace('\n\n', '\n'), // no blank line
      good.replace('x\n', 'x\u0007\n'), // control character
      `${good}extra\n`, // trailing non-signature line
      'x\n\n', // no signatures
      good.replace('log.example ', 'log.example  '), // double space: base64 does not parse
    ];
    for (const n of bad)
      expect(() => verifyNote(n, [verifierOf(signer)]), JSON.stringify(n)).toThrow(SignedNoteError);
    expect(() => verifyNote(new Uint8Array([0x78, 0xff, 0x0a, 0x0a]), [])).toThrow(/UTF-8/);
    expect(() => signNote('no newline', [signer])).toThrow(SignedNoteError);
    expect(() => verifyNote(good, [verifierOf(signer), verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'ambiguous-key' }),
    );
    expect(parseNote(good).signatures).toHaveLength(1);
  });

  it('rejects a too-short signature from a known key instead of crashing', () => {
    const signer = generateNoteSigner('log.example');
    const id = Buffer.alloc(4);
    id.writeUInt32BE(signer.keyId);
    const note = `x\n\n— log.example ${Buffer.concat([id, Buffer.from([1])]).toString('base64')}\n`;
    expect(() => verifyNote(note, [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'invalid-signature' }),
    );
  });
});
