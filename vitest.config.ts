import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{src,semconv,exporter,service,instrumentation,examples,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
