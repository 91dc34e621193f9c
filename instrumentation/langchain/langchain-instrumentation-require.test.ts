import { createRequire } from 'node:module';
import { isWrapped } from '@opentelemetry/instrumentation';
import { describe, expect, it } from 'vitest';
import { LangChainLineageInstrumentation } from './langchain-instrumentation.js';

describe('LangChainLineageInstrumentation automatic hook', () => {
  it('patches the CommonJS build of @langchain/core/callbacks/manager when it is required', () => {
    const instrumentation = new LangChainLineageInstrumentation();
    try {
      const required = createRequire(import.meta.url)('@langchain/core/callbacks/manager') as {
        CallbackManager: { _configureSync: unknown };
      };
      expect(isWrapped(required.CallbackManager._configureSync)).toBe(true);
      instrumentation.disable();
      expect(isWrapped(required.CallbackManager._configureSync)).toBe(false);
    } finally {
      instrumentation.disable();
    }
  });
});
