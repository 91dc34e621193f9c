import { reportFailure } from '../../src/report.js';

/**
 * Runs one piece of telemetry work and returns its result, or `null` when it threw: the
 * failure goes to `diag`, never into LangChain (whose callback manager would log it with
 * `console.warn`, or rethrow it into the user's chain when `raiseError` is set).
 */
export function safely<T>(where: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (error) {
    reportFailure(`LangChain ${where}`, error);
    return null;
  }
}
