/**
 * ESM through OpenTelemetry's loader hook: an ESM app started with
 * `--import` of a file registering `@opentelemetry/instrumentation/hook.mjs` gets the ESM build
 * of `@langchain/core/callbacks/manager` patched, without `manuallyInstrument()`. Runs the app
 * in a child process, with and without the hook.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

interface AppOutput {
  readonly answer: string;
  readonly spans: { name: string; scope: string; attributes: Record<string, unknown> }[];
}

async function startApp(withHook: boolean): Promise<AppOutput> {
  const hook = here('./test-support/register-hook.mjs');
  const args = [
    '--import',
    'tsx',
    ...(withHook ? ['--import', hook] : []),
    here('./test-support/esm-app.mts'),
  ];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000, cwd: here('../..') });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as AppOutput;
}

describe('ESM app with the OpenTelemetry loader hook (LangChain)', () => {
  it('records the chat model call as a lineage model invocation, without manuallyInstrument()', async () => {
    const out = await startApp(true);
    const models = out.spans.filter((s) => s.attributes['lineage.span.type'] === 'model_invocation');
    expect(models).toHaveLength(1);
    expect(models[0]?.attributes['gen_ai.response.model']).toBe('gpt-4o-2024-08-06');
  }, 90_000);

  it('records nothing without the hook (so the hook is what patched the ESM import)', async () => {
    const out = await startApp(false);
    expect(out.answer).toMatch(/Answer/);
    expect(out.spans).toEqual([]);
  }, 90_000);
});
