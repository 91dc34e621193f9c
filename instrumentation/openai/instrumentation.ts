import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { reportDrop, reportFailure } from '../../src/report.js';
import { SDK_VERSION } from '../../src/version.js';
import { type CreateMethod, isWrapped, type OpenAiApi, type PatchHost, patchCreate } from './patch.js';
import type { LineageOpenAIInstrumentationConfig } from './types.js';

/** Instrumentation scope of the spans this instrumentation creates. */
export const INSTRUMENTATION_SCOPE_NAME = 'agent-lineage/instrumentation-openai';

/** openai releases whose `create` methods this instrumentation knows (4.x to 7.x). */
export const SUPPORTED_OPENAI_VERSIONS = ['>=4 <8'];

/** An object whose `create` method is patched. */
interface Resource {
  create: CreateMethod;
}

/** One manual patch, with what is needed to undo it. */
interface ManualPatch {
  readonly target: Resource;
  readonly original: CreateMethod;
  /** False when `create` was inherited (instance patch): undoing deletes the own property. */
  readonly hadOwn: boolean;
}

/**
 * Records OpenAI `chat.completions.create` (plain, streamed, tool calls), `responses.create`
 * and `embeddings.create` calls as lineage model-invocation spans: OTel GenAI attributes
 * plus lineage hashes, exact model version, first-token time and inferred `consumed` links
 * to what the current run retrieved. What the caller receives is never changed.
 *
 * `require('openai')` is patched automatically once the instrumentation is enabled
 * (register it before loading `openai`), and so is `import 'openai'` when the app starts with
 * OpenTelemetry's ESM loader hook (`@opentelemetry/instrumentation/hook.mjs`). Bundled code,
 * and ESM without the hook, are not seen by the loader hooks: call
 * {@link LineageOpenAIInstrumentation.instrument} with the module namespace, the `OpenAI`
 * class or a client instance.
 */
export class LineageOpenAIInstrumentation extends InstrumentationBase<LineageOpenAIInstrumentationConfig> {
  /** Manual patches to undo on `disable()`; created lazily because the base constructor runs first. */
  private manualPatches: ManualPatch[] | undefined;
  private readonly host: PatchHost = {
    tracer: () => this.tracer,
    captureContent: () => this.getConfig().captureMessageContent === true,
  };

  /** @param config standard instrumentation options plus `captureMessageContent` (default false). */
  constructor(config: LineageOpenAIInstrumentationConfig = {}) {
    super(INSTRUMENTATION_SCOPE_NAME, SDK_VERSION, config);
  }

  /** The module definition for the loader hooks (require-in-the-middle / import-in-the-middle). */
  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        SUPPORTED_OPENAI_VERSIONS,
        (moduleExports: unknown) => {
          this.patchClass(findClientClass(moduleExports), false);
          return moduleExports;
        },
        (moduleExports: unknown) => {
          for (const [, resource] of classResources(findClientClass(moduleExports))) {
            if (isWrapped(resource.create)) this._unwrap(resource, 'create');
          }
        },
      ),
    ];
  }

  /**
   * Instruments `openai` without loader hooks (ESM, bundlers): pass the module namespace
   * (`import * as openai from 'openai'`), the `OpenAI` class (patches every client), or one
   * client instance (patches only that client). Idempotent; undone by `disable()`.
   * @returns true when at least one API was instrumented.
   */
  instrument(target: unknown): boolean {
    try {
      const clientClass = findClientClass(target);
      if (clientClass !== undefined) return this.patchClass(clientClass, true) > 0;
      const resources = instanceResources(target);
      if (resources.length === 0) {
        reportDrop('openai instrumentation', 'instrument(): not an openai module, OpenAI class or client');
        return false;
      }
      let patched = 0;
      for (const [api, resource] of resources) if (this.patchResource(api, resource, true)) patched++;
      return patched > 0;
    } catch (error) {
      reportFailure('openai instrumentation: instrument()', error);
      return false;
    }
  }

  /** Removes the loader-hook patches and every manual patch made by {@link instrument}. */
  override disable(): void {
    super.disable();
    const patches = this.manualPatches ?? [];
    this.manualPatches = [];
    for (const { target, original, hadOwn } of patches.reverse()) {
      try {
        if (hadOwn) target.create = original;
        else delete (target as Partial<Resource>).create;
      } catch (error) {
        reportFailure('openai instrumentation: undoing a patch', error);
      }
    }
  }

  private patchClass(clientClass: ClientClass | undefined, manual: boolean): number {
    if (clientClass === undefined) {
      reportDrop('openai instrumentation', 'openai module without an OpenAI class; nothing instrumented');
      return 0;
    }
    let patched = 0;
    for (const [api, resource] of classResources(clientClass)) {
      if (this.patchResource(api, resource, manual)) patched++;
    }
    return patched;
  }

  private patchResource(api: OpenAiApi, resource: Resource, manual: boolean): boolean {
    const current = resource.create;
    if (typeof current !== 'function' || isWrapped(current)) return false;
    if (!manual) {
      this._wrap(resource, 'create', (original) => patchCreate(api, original, this.host));
      return true;
    }
    const hadOwn = Object.hasOwn(resource, 'create');
    resource.create = patchCreate(api, current, this.host);
    this.manualPatches ??= [];
    this.manualPatches.push({ target: resource, original: current, hadOwn });
    return true;
  }
}

/** The client class (`OpenAI`) with its resource classes as static members. */
interface ClientClass {
  readonly Chat?: { readonly Completions?: { readonly prototype: Resource } };
  readonly Responses?: { readonly prototype: Resource };
  readonly Embeddings?: { readonly prototype: Resource };
}

function prop(value: unknown, key: string): unknown {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Finds the `OpenAI` class in whatever was loaded: the CommonJS exports (the class itself,
 * with `.OpenAI` and `.default`), an ESM namespace (`OpenAI` / `default`), or the class.
 */
function findClientClass(target: unknown): ClientClass | undefined {
  const candidates = [
    prop(target, 'OpenAI'),
    prop(prop(target, 'default'), 'OpenAI'),
    prop(target, 'default'),
    target,
  ];
  for (const candidate of candidates) {
    if (
      typeof candidate === 'function' &&
      typeof prop(prop(candidate, 'Chat'), 'Completions') === 'function'
    ) {
      return candidate as ClientClass;
    }
  }
  return undefined;
}

/** The resource prototypes of a client class (Responses appeared in openai 4.87). */
function classResources(clientClass: ClientClass | undefined): [OpenAiApi, Resource][] {
  if (clientClass === undefined) return [];
  const out: [OpenAiApi, Resource][] = [];
  const chat = clientClass.Chat?.Completions?.prototype;
  if (chat !== undefined) out.push(['chat', chat]);
  const responses = clientClass.Responses?.prototype;
  if (responses !== undefined) out.push(['responses', responses]);
  const embeddings = clientClass.Embeddings?.prototype;
  if (embeddings !== undefined) out.push(['embeddings', embeddings]);
  return out;
}

/** The resource objects of one client instance. */
function instanceResources(client: unknown): [OpenAiApi, Resource][] {
  const out: [OpenAiApi, Resource][] = [];
  const add = (api: OpenAiApi, resource: unknown) => {
    if (typeof prop(resource, 'create') === 'function') out.push([api, resource as Resource]);
  };
  add('chat', prop(prop(client, 'chat'), 'completions'));
  add('responses', prop(client, 'responses'));
  add('embeddings', prop(client, 'embeddings'));
  return out;
}
