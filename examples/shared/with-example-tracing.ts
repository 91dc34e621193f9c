import { type ExampleTracingOptions, startExampleTracing } from './example-tracing.js';

/**
 * Runs `fn` with its own example tracing when `options` is given — set up, flushed after
 * `fn` and shut down — and as is otherwise (the caller owns tracing, as tests and `main.ts`
 * do). Lets a one-shot caller such as the demo write `runRagAgent({ …, otlpUrl })`.
 */
export async function withExampleTracing<T>(
  options: ExampleTracingOptions | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (options === undefined) return fn();
  const tracing = startExampleTracing(options);
  try {
    const result = await fn();
    await tracing.flush();
    return result;
  } finally {
    await tracing.shutdown();
  }
}
