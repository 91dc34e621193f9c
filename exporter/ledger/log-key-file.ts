import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import {
  decodeSignerKey,
  encodeSignerKey,
  encodeVerifierKey,
  generateNoteSigner,
  type NoteSignerKey,
  verifierOf,
} from '../integrity/note-key.js';

/** Raised when the signing key file cannot be used (wrong permissions, other log, malformed). */
export class LogKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogKeyFileError';
  }
}

/**
 * Loads the log's Ed25519 signing key from `keyPath`, or generates it there on first start
 * (mode 0600, created with O_EXCL so two processes starting at once cannot both write one).
 * The public verifier key is also written to `verifierPath` (mode 0644) so it can be copied
 * to auditors. A key file readable by group or others is refused, like ssh does: a leaked
 * log key lets anyone forge checkpoints.
 */
export async function loadOrCreateLogKey(
  keyPath: string,
  origin: string,
  verifierPath?: string,
): Promise<{ signer: NoteSignerKey; created: boolean }> {
  let created = false;
  let text: string;
  try {
    const stat = await fs.stat(keyPath);
    if ((stat.mode & 0o077) !== 0) {
      throw new LogKeyFileError(
        `log signing key ${keyPath} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    }
    text = await fs.readFile(keyPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.mkdir(dirname(keyPath), { recursive: true });
    const signer = generateNoteSigner(origin);
    text = `${encodeSignerKey(signer)}\n`;
    const handle = await fs.open(keyPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    created = true;
  }
  let signer: NoteSignerKey;
  try {
    signer = decodeSignerKey(text.trim());
  } catch (error) {
    throw new LogKeyFileError(`log signing key ${keyPath} is malformed: ${String(error)}`);
  }
  if (signer.name !== origin) {
    throw new LogKeyFileError(
      `log signing key ${keyPath} belongs to log ${JSON.stringify(signer.name)}, not ${JSON.stringify(origin)}`,
    );
  }
  if (verifierPath !== undefined) {
    await fs.writeFile(verifierPath, `${encodeVerifierKey(verifierOf(signer))}\n`, { mode: 0o644 });
  }
  return { signer, created };
}
