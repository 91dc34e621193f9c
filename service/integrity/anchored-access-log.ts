import type { IntegrityLog } from '../../exporter/ledger/integrity-log.js';
import type { AccessLog } from '../auth/access-log.js';

/**
 * Decorates the auditor access log so every entry is also anchored in the integrity log
 * (an access leaf holding the SHA-256 of the entry's canonical JSON). The file append comes
 * first; if anchoring then fails the append rejects, so the API still fails closed.
 */
export function anchorAccessLog(accessLog: AccessLog, log: Pick<IntegrityLog, 'appendAccess'>): AccessLog {
  return {
    append: async (entry) => {
      await accessLog.append(entry);
      log.appendAccess(entry);
    },
    read: (options) => accessLog.read(options),
    close: () => accessLog.close(),
  };
}
