import type { Attributes, AttributeValue } from '@opentelemetry/api';

/**
 * Builds an attribute map from untrusted user values, keeping only valid ones: strings
 * (truncated), finite numbers and booleans. Anything else is left out rather than sent
 * in an unexpected shape.
 */
export class AttributeBuilder {
  readonly attributes: Attributes = {};

  constructor(private readonly maxLength: number) {}

  /** Sets a string attribute when the value is a non-empty string (truncated to the limit). */
  string(name: string, value: unknown): this {
    if (typeof value === 'string' && value.length > 0)
      this.attributes[name] = truncate(value, this.maxLength);
    return this;
  }

  /** Sets a numeric attribute when the value is a finite number. */
  number(name: string, value: unknown): this {
    if (typeof value === 'number' && Number.isFinite(value)) this.attributes[name] = value;
    return this;
  }

  /** Sets an integer attribute when the value is a safe integer. */
  int(name: string, value: unknown): this {
    if (typeof value === 'number' && Number.isSafeInteger(value)) this.attributes[name] = value;
    return this;
  }

  /** Sets a count (token usage, ...) when the value is a non-negative safe integer. */
  count(name: string, value: unknown): this {
    const n = asCount(value);
    if (n !== undefined) this.attributes[name] = n;
    return this;
  }

  /** Sets a boolean attribute when the value is a boolean. */
  boolean(name: string, value: unknown): this {
    if (typeof value === 'boolean') this.attributes[name] = value;
    return this;
  }

  /**
   * Sets an attribute the SDK computed itself (already valid): hashes, pseudonyms, validated
   * run ids. Never truncated, since a cut hash or pseudonym would name something else.
   */
  set(name: string, value: AttributeValue | undefined): this {
    if (value !== undefined) this.attributes[name] = value;
    return this;
  }

  /** Sets a string-array attribute from the strings among the values. */
  strings(name: string, values: unknown): this {
    if (!Array.isArray(values)) return this;
    const kept: string[] = [];
    for (const v of values) if (typeof v === 'string') kept.push(truncate(v, this.maxLength));
    if (kept.length > 0) this.attributes[name] = kept;
    return this;
  }
}

/** Truncates a string to at most `max` UTF-16 code units without splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.charCodeAt(max - 1);
  const end = cut >= 0xd800 && cut <= 0xdbff ? max - 1 : max;
  return value.slice(0, end);
}

/** A count (token usage, ...): the value when it is a non-negative safe integer, else undefined. */
export function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
