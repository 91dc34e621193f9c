/** An int64 as protobufjs, OTLP/JSON or a hand-built object may deliver it. */
export type Int64Like =
  | number
  | string
  | bigint
  | { readonly low: number; readonly high: number; readonly unsigned?: boolean };

const DECIMAL = /^-?\d+$/;

/**
 * Reads an int64 exactly as a bigint; undefined when the value is not an integer
 * (NaN, fractional, non-numeric string, wrong type). Long-like `{low, high}` values are
 * signed unless `unsigned` is true, as in the `long` package.
 */
export function int64ToBigInt(value: unknown): bigint | undefined {
  switch (typeof value) {
    case 'bigint':
      return value;
    case 'number':
      return Number.isSafeInteger(value)
        ? BigInt(value)
        : Number.isInteger(value)
          ? BigInt(value)
          : undefined;
    case 'string':
      return DECIMAL.test(value.trim()) ? BigInt(value.trim()) : undefined;
    case 'object': {
      if (value === null) return undefined;
      const { low, high, unsigned } = value as { low?: unknown; high?: unknown; unsigned?: unknown };
      if (typeof low !== 'number' || typeof high !== 'number') return undefined;
      if (!Number.isInteger(low) || !Number.isInteger(high)) return undefined;
      const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
      return unsigned === true ? bits : BigInt.asIntN(64, bits);
    }
    default:
      return undefined;
  }
}

/** Nanoseconds since the epoch → epoch milliseconds (fractional; below 1 µs is dropped). */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}
