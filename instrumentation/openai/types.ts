import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Options of {@link LineageOpenAIInstrumentation}. */
export interface LineageOpenAIInstrumentationConfig extends InstrumentationConfig {
  /**
   * Copy request and response messages into `gen_ai.input.messages` / `gen_ai.output.messages`
   * (JSON, truncated to the SDK's `maxCaptureBytes`). Default `false`: only hashes leave the process.
   */
  readonly captureMessageContent?: boolean;
}

/** A value read from an untrusted object: narrowed before use. */
export type Dict = Record<string, unknown>;

/** The object when it is a plain (non-array) object, else undefined. */
export function dict(value: unknown): Dict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

/** The value when it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is a number. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
