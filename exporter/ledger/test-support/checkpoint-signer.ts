import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCheckpoint } from '../../integrity/checkpoint.js';
import { rootHash } from '../../integrity/merkle.js';
import { decodeSignerKey, generateNoteSigner } from '../../integrity/note-key.js';
import type { SqlDatabase } from '../../stores/sqlite/sqlite-driver.js';
import { sqliteLogView } from '../log-view.js';
import { TEST_ORIGIN } from './ledger-fixtures.js';

/**
 * Test-only: signs checkpoints as an attacker would — with the log's own key taken from a
 * data dir (a split view / rollback) or with a foreign key under the same origin name.
 */
export function checkpointSigner(dataDir: string, options: { foreignKey?: boolean } = {}) {
  const signer = options.foreignKey
    ? generateNoteSigner(TEST_ORIGIN)
    : decodeSignerKey(readFileSync(join(dataDir, 'log-signing.key'), 'utf8').trim());
  return {
    /** Signs the root the stored tree gives at `size`. */
    sign: (size: number, db: SqlDatabase) =>
      signCheckpoint({ origin: TEST_ORIGIN, size, rootHash: rootHash(size, sqliteLogView(db).read) }, [
        signer,
      ]),
    /** Signs an arbitrary root for `size`. */
    signRoot: (size: number, root: Uint8Array) =>
      signCheckpoint({ origin: TEST_ORIGIN, size, rootHash: root }, [signer]),
  };
}
