/**
 * ESM through OpenTelemetry's loader hook: an ESM app started with
 * `node --import @opentelemetry/instrumentation/hook.mjs` (registered via `module.register`)
 * gets its `import 'openai'` patched by the instrumentation's module definition, without the
 * manual `instrument()` path. Runs the app in a child process, with and without the hook.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const APP = here('./test-support/esm-hook/esm-app.mts');
const HOOK = here('./test-support/esm-hook/register-hook.mjs');

interface AppOutput {
  readonly answer: string;
  readonly spans: { name: string; scope: string; attributes: Record<string, unknown> }[];
}

async function startApp(withHook: boolean): Promise<AppOutput> {
  const args = ['--import', 'tsx', ...(withHook ? ['--import', HOOK] : []), APP];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000, cwd: here('../..') });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as AppOutput;
}

describe('ESM app with the OpenTelemetry loader hook', () => {
  it('records the chat call with lineage attributes, without instrument()', async () => {
    const out = await startApp(true);
    expect(out.spans).toHaveLength(1);
    const [span] = out.spans;
    expect(span).toMatchObject({ name: 'chat gpt-4o', scope: 'agent-lineage/instrumentation-openai' });
    expect(span?.attributes['gen_ai.response.model']).toBe('gpt-4o-2024-08-06');
    expect(span?.attributes['lineage.output.sha256']).toBe(
      createHash('sha256').update(out.answer, 'utf8').digest('hex'),
    );
  }, 90_000);

  it('records nothing without the hook (so the hook is what patched the ESM import)', async () => {
    const out = await startApp(false);
    expect(out.answer).toMatch(/Answer/);
    expect(out.spans).toEqual([]);
  }, 90_000);
});
