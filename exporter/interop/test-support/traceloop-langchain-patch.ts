/**
 * Turns `@traceloop/instrumentation-langchain` on for one test path and off again. Traceloop
 * 0.27 patches `CallbackManager._configureSync` of both the CommonJS and the ESM build in its
 * constructor (the ESM one asynchronously) and has no unpatch: `disable()` does nothing. So the
 * originals are remembered here and put back by hand.
 */
import { createRequire } from 'node:module';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import type { TracerProvider } from '@opentelemetry/api';
import { LangChainInstrumentation } from '@traceloop/instrumentation-langchain';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);

/** What Traceloop's patch leaves on a CallbackManager class. */
interface PatchableCallbackManager {
  _configureSync: unknown;
  _traceloopPatched?: boolean;
}

function callbackManagers(): PatchableCallbackManager[] {
  const cjs = require('@langchain/core/callbacks/manager') as typeof callbackManagerModule;
  return [
    callbackManagerModule.CallbackManager,
    cjs.CallbackManager,
  ] as unknown as PatchableCallbackManager[];
}

/** Patches both CallbackManager builds to record into `provider`; the returned function restores them. */
export function patchTraceloopLangChain(provider: TracerProvider): () => Promise<void> {
  const managers = callbackManagers();
  const originals = managers.map((m) => m._configureSync);
  const instrumentation = new LangChainInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  // Patch the ESM class now rather than rely on the constructor's fire-and-forget import().
  instrumentation.manuallyInstrument({ callbackManagerModule });
  expect(managers.every((m) => m._traceloopPatched === true)).toBe(true);
  return async () => {
    // Let the constructor's pending import() settle first: it must find the flag and skip.
    await new Promise((resolve) => setImmediate(resolve));
    managers.forEach((m, i) => {
      m._configureSync = originals[i];
      delete m._traceloopPatched;
    });
  };
}
