import { startFakeOpenAi } from '../fake-openai/server.js';
import { otlpUrlFromEnv, startExampleTracing } from './example-tracing.js';

/**
 * The body of an example's `main.ts`: starts the bundled fake OpenAI-compatible model and
 * tracing that exports OTLP/proto to `LINEAGE_OTLP_URL` (pseudonym key from
 * `LINEAGE_PSEUDONYM_KEY` when set), runs `example` with the fake's base URL, flushes the
 * spans and prints the lines the example returns. On failure it prints why (naming the
 * OTLP URL when the export failed) and sets a non-zero exit code.
 */
export async function runExampleMain(
  name: string,
  example: (openaiBaseURL: string) => Promise<readonly string[]>,
): Promise<void> {
  const otlpUrl = otlpUrlFromEnv();
  const key = process.env.LINEAGE_PSEUDONYM_KEY;
  const tracing = startExampleTracing({ otlpUrl, ...(key ? { pseudonymKey: key } : {}) });
  const fakeOpenAi = await startFakeOpenAi();
  try {
    const lines = await example(fakeOpenAi.baseURL);
    try {
      // Spans are batched: flush so they reach the receiver before the process exits.
      await tracing.flush();
    } catch (error) {
      throw new Error(
        `could not export spans to ${otlpUrl} (is \`agent-lineage serve\` running there?): ${describe(error)}`,
      );
    }
    for (const line of lines) console.log(line);
    console.log(`spans exported to ${otlpUrl}`);
  } catch (error) {
    console.error(`${name} failed: ${describe(error)}`);
    process.exitCode = 1;
  } finally {
    await tracing.shutdown();
    await fakeOpenAi.close();
  }
}

/** The OTLP exporter rejects with an array of errors; show each message once. */
function describe(error: unknown): string {
  const errors = Array.isArray(error) ? error : [error];
  return [...new Set(errors.map((e) => (e instanceof Error ? e.message : String(e))))].join('; ');
}
