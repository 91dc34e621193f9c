import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeSignerKey, encodeVerifierKey, verifierOf } from '../../exporter/integrity/note-key.js';

/**
 * `agent-lineage log-key [--data-dir DIR | --key-file FILE]`: prints the public verifier key
 * of the integrity log (derived from the signing key, never printing it). Returns the exit status.
 */
export async function runLogKeyCommand(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const flag = argv[0];
  const value = argv[1];
  if (argv.length !== 2 || (flag !== '--data-dir' && flag !== '--key-file') || !value) {
    err('usage: agent-lineage log-key (--data-dir DIR | --key-file FILE)\n');
    return 2;
  }
  const file = flag === '--data-dir' ? path.join(value, 'log-signing.key') : value;
  try {
    const signer = decodeSignerKey((await fs.readFile(file, 'utf8')).trim());
    out(`${encodeVerifierKey(verifierOf(signer))}\n`);
    return 0;
  } catch (error) {
    err(`agent-lineage log-key: cannot read the log key from ${file}: ${String(error)}\n`);
    return 1;
  }
}
