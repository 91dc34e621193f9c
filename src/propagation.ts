import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  type TextMapGetter,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { BAGGAGE_LINEAGE_RUN_ID } from '../semconv/index.js';
import { reportFailure } from './report.js';
import { getRunState } from './run-state.js';

const TRACEPARENT = 'traceparent';
const BAGGAGE = 'baggage';
const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
/** W3C Baggage limits: 8,192 bytes and 180 entries per header. */
const MAX_BAGGAGE_LENGTH = 8192;
const MAX_BAGGAGE_ENTRIES = 180;

/**
 * Writes the run context into a carrier (HTTP headers, message attributes): W3C
 * `traceparent` and `baggage` with `lineage.run.id`. It uses the globally registered
 * propagator (`propagation.inject`), so whatever the application configured (normally
 * W3CTraceContextPropagator + W3CBaggagePropagator) applies; a field that propagator does
 * not handle — for example when none is registered — is written by the SDK itself in W3C
 * format, because the SDK may not depend on @opentelemetry/core. Never throws.
 * @returns the same carrier.
 */
export function injectRunContext<C>(
  carrier: C,
  setter: TextMapSetter<C> = defaultTextMapSetter,
  ctx: Context = context.active(),
): C {
  try {
    propagation.inject(ctx, carrier, setter);
    const fields = propagation.fields();
    if (!fields.includes(TRACEPARENT)) writeTraceparent(ctx, carrier, setter);
    if (!fields.includes(BAGGAGE)) writeBaggage(ctx, carrier, setter);
  } catch (error) {
    reportFailure('injectRunContext', error);
  }
  return carrier;
}

/**
 * Reads a run context from a carrier written by {@link injectRunContext} (or any W3C
 * Trace Context + Baggage sender): the remote span becomes the active parent and
 * `lineage.run.id` the parent run, so {@link startRun} inside it links `spawned_by`.
 * Uses the global propagator, with the SDK's own W3C parsing for fields it does not
 * handle. Never throws: a malformed carrier yields `base` unchanged.
 */
export function extractRunContext<C>(
  carrier: C,
  getter: TextMapGetter<C> = defaultTextMapGetter,
  base: Context = context.active(),
): Context {
  try {
    let ctx = propagation.extract(base, carrier, getter);
    const fields = propagation.fields();
    if (!fields.includes(TRACEPARENT)) ctx = readTraceparent(ctx, first(getter.get(carrier, TRACEPARENT)));
    if (!fields.includes(BAGGAGE)) ctx = readBaggage(ctx, joined(getter.get(carrier, BAGGAGE)));
    return ctx;
  } catch (error) {
    reportFailure('extractRunContext', error);
    return base;
  }
}

/** Runs `fn` inside the run context extracted from `carrier` (see {@link extractRunContext}). */
export function withExtractedContext<C, T>(carrier: C, fn: () => T, getter?: TextMapGetter<C>): T {
  if (typeof fn !== 'function') throw new TypeError('withExtractedContext: fn must be a function');
  return context.with(extractRunContext(carrier, getter), fn);
}

function writeTraceparent<C>(ctx: Context, carrier: C, setter: TextMapSetter<C>): void {
  const sc = trace.getSpanContext(ctx);
  if (sc === undefined || !isSpanContextValid(sc)) return;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  setter.set(carrier, TRACEPARENT, `00-${sc.traceId}-${sc.spanId}-${flags}`);
}

function writeBaggage<C>(ctx: Context, carrier: C, setter: TextMapSetter<C>): void {
  const entries = new Map<string, string>();
  // The run id first: the limits below drop members from the end, never the parent run.
  const runId = getRunState(ctx)?.runId;
  if (runId !== undefined) entries.set(BAGGAGE_LINEAGE_RUN_ID, runId);
  for (const [key, entry] of propagation.getBaggage(ctx)?.getAllEntries() ?? []) {
    if (!entries.has(key)) entries.set(key, entry.value);
  }
  if (entries.size === 0) return;
  // W3C Baggage limits: at most 180 members and 8,192 bytes; members that do not fit are left out.
  let header = '';
  let members = 0;
  for (const [k, v] of entries) {
    if (members === MAX_BAGGAGE_ENTRIES) break;
    const member = `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    const next = header.length === 0 ? member : `${header},${member}`;
    if (next.length > MAX_BAGGAGE_LENGTH) continue;
    header = next;
    members++;
  }
  if (header.length > 0) setter.set(carrier, BAGGAGE, header);
}

function readTraceparent(ctx: Context, header: string | undefined): Context {
  const match = header === undefined ? null : TRACEPARENT_RE.exec(header.trim());
  if (match === null) return ctx;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  // Version ff is invalid; version 00 must not carry extra fields.
  if (version === 'ff' || (version === '00' && header !== undefined && header.trim().length !== 55))
    return ctx;
  const spanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ctx, spanContext) : ctx;
}

function readBaggage(ctx: Context, header: string | undefined): Context {
  if (header === undefined || header.length > MAX_BAGGAGE_LENGTH) return ctx;
  let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  let count = 0;
  for (const member of header.split(',')) {
    if (++count > MAX_BAGGAGE_ENTRIES) break;
    const [pair] = member.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq <= 0) continue;
    const key = safeDecode(pair.slice(0, eq).trim());
    const value = safeDecode(pair.slice(eq + 1).trim());
    if (key && value !== undefined) baggage = baggage.setEntry(key, { value });
  }
  return baggage.getAllEntries().length > 0 ? propagation.setBaggage(ctx, baggage) : ctx;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
