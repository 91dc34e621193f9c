import { type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { SDK_SCOPE_NAME, SDK_VERSION } from './version.js';

/**
 * Key material for pseudonymising personal identifiers: one key, or a resolver that
 * returns the key of one subject (per-subject keys make erasure a key deletion). A
 * resolver returning `undefined` means the identifier is dropped.
 */
export type PseudonymKey = string | Uint8Array | ((identifier: string) => string | Uint8Array | undefined);

/** Options of {@link configureLineage}. Every field is optional. */
export interface LineageConfigOptions {
  /** HMAC key for actor and recipient pseudonyms (at least 16 bytes). Without it those identifiers are dropped. */
  readonly pseudonymKey?: PseudonymKey;
  /** Copy DataSource content into `lineage.content`. Default `false`: only hashes leave the process. */
  readonly captureContent?: boolean;
  /** Maximum DataSource events per span; further sources are counted in `lineage.datasource.dropped`. Default 64. */
  readonly maxSourcesPerSpan?: number;
  /** Content above this many bytes is hashed but neither copied nor kept for consumption inference. Default 65,536. */
  readonly maxContentBytes?: number;
  /** Captured content is truncated to this many bytes. Default 4,096. */
  readonly maxCaptureBytes?: number;
  /** Artifacts a run remembers for consumption inference (oldest forgotten first). Default 256. */
  readonly maxTrackedArtifacts?: number;
  /** String attribute values (names, ids) are truncated to this many characters. Default 1,024. */
  readonly maxAttributeLength?: number;
  /** Tracer provider to use instead of the global one. */
  readonly tracerProvider?: TracerProvider;
}

/** The resolved, validated configuration. */
export interface LineageConfig {
  readonly pseudonymKey: PseudonymKey | undefined;
  readonly captureContent: boolean;
  readonly maxSourcesPerSpan: number;
  readonly maxContentBytes: number;
  readonly maxCaptureBytes: number;
  readonly maxTrackedArtifacts: number;
  readonly maxAttributeLength: number;
  readonly tracer: Tracer;
}

/** Defaults of every limit, documented on {@link LineageConfigOptions}. */
export const DEFAULT_LIMITS = {
  maxSourcesPerSpan: 64,
  maxContentBytes: 64 * 1024,
  maxCaptureBytes: 4 * 1024,
  maxTrackedArtifacts: 256,
  maxAttributeLength: 1024,
} as const;

/** The shortest HMAC key accepted, static or from a resolver. */
export const MIN_KEY_BYTES = 16;
const KNOWN_OPTIONS = new Set([
  'pseudonymKey',
  'captureContent',
  'tracerProvider',
  ...Object.keys(DEFAULT_LIMITS),
]);

let current: LineageConfig | undefined;

/**
 * Configures the SDK for the whole process; call once at start-up (a later call
 * replaces the configuration). Validates by hand because the SDK has no dependencies.
 * @throws {TypeError | RangeError} with a message naming the bad option.
 */
export function configureLineage(options: LineageConfigOptions = {}): void {
  current = resolveConfig(options);
}

/** Restores the defaults (no key, no capture, global tracer provider). Mainly for tests. */
export function resetLineageConfig(): void {
  current = undefined;
}

/** The active configuration; defaults until {@link configureLineage} is called. */
export function getConfig(): LineageConfig {
  if (current === undefined) current = resolveConfig({});
  return current;
}

/** Validates options and fills in defaults. Pure apart from obtaining the tracer. */
export function resolveConfig(options: LineageConfigOptions): LineageConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('configureLineage: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`configureLineage: unknown option '${key}'`);
  }
  const provider = options.tracerProvider;
  if (provider !== undefined && typeof provider?.getTracer !== 'function') {
    throw new TypeError('configureLineage: tracerProvider must have a getTracer() method');
  }
  return {
    pseudonymKey: validateKey(options.pseudonymKey),
    captureContent: validateBoolean('captureContent', options.captureContent, false),
    maxSourcesPerSpan: validateLimit('maxSourcesPerSpan', options.maxSourcesPerSpan),
    maxContentBytes: validateLimit('maxContentBytes', options.maxContentBytes),
    maxCaptureBytes: validateLimit('maxCaptureBytes', options.maxCaptureBytes),
    maxTrackedArtifacts: validateLimit('maxTrackedArtifacts', options.maxTrackedArtifacts),
    maxAttributeLength: validateLimit('maxAttributeLength', options.maxAttributeLength),
    tracer: (provider ?? trace).getTracer(SDK_SCOPE_NAME, SDK_VERSION),
  };
}

function validateBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`configureLineage: ${name} must be a boolean`);
  return value;
}

function validateLimit(name: keyof typeof DEFAULT_LIMITS, value: unknown): number {
  if (value === undefined) return DEFAULT_LIMITS[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `configureLineage: ${name} must be a non-negative safe integer, got ${String(value)}`,
    );
  }
  return value;
}

/** Bytes of HMAC key material (UTF-8 for a string), or -1 when it is neither a string nor bytes. */
export function keyMaterialBytes(key: unknown): number {
  return typeof key === 'string'
    ? new TextEncoder().encode(key).byteLength
    : key instanceof Uint8Array
      ? key.byteLength
      : -1;
}

function validateKey(key: unknown): PseudonymKey | undefined {
  if (key === undefined || typeof key === 'function') return key as PseudonymKey | undefined;
  const bytes = keyMaterialBytes(key);
  if (bytes < 0)
    throw new TypeError('configureLineage: pseudonymKey must be a string, a Uint8Array or a function');
  if (bytes < MIN_KEY_BYTES) {
    throw new RangeError(`configureLineage: pseudonymKey must be at least ${MIN_KEY_BYTES} bytes`);
  }
  // A private copy, so the caller mutating its buffer cannot change pseudonyms behind our back.
  return typeof key === 'string' ? key : new Uint8Array(key as Uint8Array);
}
