// Child process of integrity-log-crash.test.ts: appends batches to the log as fast as it can
// (one transaction + one checkpoint per batch, like the finaliser) until it is SIGKILLed.
import { openIntegrityLog } from '../integrity-log.js';
import { finalisedRun, TEST_ORIGIN } from './ledger-fixtures.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: append-until-killed.ts DATA_DIR');
const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
let n = log.size;
for (let batch = 0; ; batch++) {
  const runs = Array.from({ length: 1 + (batch % 5) }, () => finalisedRun(n++));
  await log.onFinalised(runs);
  if (batch % 3 === 0) log.appendAccess({ time: new Date().toISOString(), keyId: 'aud', n });
  if (batch === 10) process.stdout.write('appending\n');
}
