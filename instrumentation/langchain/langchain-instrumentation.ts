import type * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { diag, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  type InstrumentationConfig,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { SDK_VERSION } from '../../src/version.js';
import { addLineageHandler } from './add-lineage-handler.js';
import { LineageCallbackHandler } from './lineage-callback-handler.js';
import type { LangChainLineageOptions } from './options.js';

/** Instrumentation scope name of the LangChain lineage instrumentation. */
export const LANGCHAIN_INSTRUMENTATION_NAME = 'agent-lineage/instrumentation/langchain';

/** The part of `@langchain/core/callbacks/manager` the instrumentation patches. */
export type CallbackManagerModuleLike = Pick<typeof CallbackManagerModule, 'CallbackManager'>;

/** Options of {@link LangChainLineageInstrumentation}. */
export interface LangChainLineageInstrumentationConfig
  extends InstrumentationConfig,
    Omit<LangChainLineageOptions, 'tracer'> {}

type ConfigureSync = (typeof CallbackManagerModule.CallbackManager)['_configureSync'];

/**
 * Adds one {@link LineageCallbackHandler} to every LangChain run by wrapping
 * `CallbackManager._configureSync`, which every runnable calls to build its callbacks
 * (`configure` delegates to it, so wrapping both would add nothing).
 *
 * The automatic hook covers `require('@langchain/core/...')` (the CommonJS build) and, when
 * the app starts with OpenTelemetry's ESM loader hook (`--import` a file that calls
 * `module.register('@opentelemetry/instrumentation/hook.mjs', …)`), the ESM build. Bundles,
 * and ESM apps without the hook, call {@link manuallyInstrument} with
 * `import * as m from '@langchain/core/callbacks/manager'`.
 *
 * Spans come from the SDK's configured tracer (`configureLineage({ tracerProvider })`) —
 * the same one `startRun`/`recordOutput` use — unless a tracer provider is given to this
 * instrumentation (`registerInstrumentations({ tracerProvider })` or `setTracerProvider`).
 */
export class LangChainLineageInstrumentation extends InstrumentationBase<LangChainLineageInstrumentationConfig> {
  /** The handler added to every run; its registry holds the open runs. */
  readonly handler: LineageCallbackHandler;
  #ownProvider = false;
  readonly #patched = new Set<CallbackManagerModuleLike>();

  constructor(config: LangChainLineageInstrumentationConfig = {}) {
    super(LANGCHAIN_INSTRUMENTATION_NAME, SDK_VERSION, config);
    const { runTtlMs, maxOpenRuns, recordRunOutput } = config;
    this.handler = new LineageCallbackHandler({
      ...(runTtlMs !== undefined ? { runTtlMs } : {}),
      ...(maxOpenRuns !== undefined ? { maxOpenRuns } : {}),
      ...(recordRunOutput !== undefined ? { recordRunOutput } : {}),
      tracer: () => this.#spanTracer(),
    });
  }

  /** Uses this provider for LangChain spans instead of the SDK's configured one. */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    this.#ownProvider = true;
  }

  /**
   * Patches a `@langchain/core/callbacks/manager` module namespace the application
   * imported itself (ESM, bundlers). Idempotent.
   */
  manuallyInstrument(module: CallbackManagerModuleLike): void {
    this.#patch(module);
  }

  /** Removes the patch from a module given to {@link manuallyInstrument}. */
  manuallyUninstrument(module: CallbackManagerModuleLike): void {
    this.#unpatch(module);
  }

  /** Disables the automatic hook and removes every patch, including manual ones. */
  override disable(): void {
    super.disable();
    for (const module of [...this.#patched]) this.#unpatch(module);
  }

  protected init() {
    // The CommonJS build (require hook) and the ESM build (import-in-the-middle, when the app
    // starts with `--import @opentelemetry/instrumentation/hook.mjs`) are separate files.
    const files = ['manager.cjs', 'manager.js'].map(
      (name) =>
        new InstrumentationNodeModuleFile(
          `@langchain/core/dist/callbacks/${name}`,
          ['>=0.2.0 <2'],
          (module: CallbackManagerModuleLike) => this.#patch(module),
          (module?: CallbackManagerModuleLike) => {
            if (module !== undefined) this.#unpatch(module);
          },
        ),
    );
    return new InstrumentationNodeModuleDefinition(
      '@langchain/core',
      ['>=0.2.0 <2'],
      undefined,
      undefined,
      files,
    );
  }

  #spanTracer(): Tracer | undefined {
    return this.#ownProvider ? this.tracer : undefined;
  }

  #patch<M extends CallbackManagerModuleLike>(module: M): M {
    const manager = module?.CallbackManager;
    if (manager === undefined || typeof manager._configureSync !== 'function') {
      diag.warn(
        'agent-lineage: not a @langchain/core/callbacks/manager module; LangChain is not instrumented',
      );
      return module;
    }
    if (isWrapped(manager._configureSync)) this._unwrap(manager, '_configureSync');
    const handler = this.handler;
    this._wrap(manager, '_configureSync', (original: ConfigureSync) => {
      return function configureSyncWithLineage(
        this: unknown,
        ...args: Parameters<ConfigureSync>
      ): ReturnType<ConfigureSync> {
        try {
          args[0] = addLineageHandler(args[0], handler);
        } catch (error) {
          diag.error('agent-lineage: adding the LangChain lineage handler failed', error);
        }
        return original.apply(this, args);
      } as ConfigureSync;
    });
    this.#patched.add(module);
    return module;
  }

  #unpatch(module: CallbackManagerModuleLike): void {
    const manager = module?.CallbackManager;
    if (manager !== undefined && isWrapped(manager._configureSync)) this._unwrap(manager, '_configureSync');
    this.#patched.delete(module);
  }
}
