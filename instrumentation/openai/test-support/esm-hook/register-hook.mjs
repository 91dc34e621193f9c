// What an ESM app passes to `node --import`: OpenTelemetry's import-in-the-middle loader hook.
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
