/** Options of {@link RunRegistry}. */
export interface RunRegistryOptions<E> {
  /** A run still open after this many milliseconds is evicted. */
  readonly ttlMs: number;
  /** At most this many runs are held; the oldest is evicted to make room. */
  readonly maxRuns: number;
  /** Called with each entry evicted before its run ended (never for runs that ended normally). */
  readonly onEvict: (runId: string, entry: E) => void;
}

interface Slot<E> {
  readonly entry: E;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The open LangChain runs, by run id. Bounded twice over so a run that never ends cannot
 * leak: an entry leaves when its run ends, when it has been open for `ttlMs`, or when
 * `maxRuns` newer runs pushed it out. Timers are unref'd: they never keep a process alive.
 */
export class RunRegistry<E> {
  readonly #slots = new Map<string, Slot<E>>();

  constructor(private readonly options: RunRegistryOptions<E>) {}

  /** Number of open runs. */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * Holds an entry until {@link take} is called or it is evicted. An open entry with the
   * same id (LangChain reusing a run id) is evicted first, so its span still ends.
   */
  add(runId: string, entry: E): void {
    this.#evict(runId);
    while (this.#slots.size >= this.options.maxRuns) {
      const oldest = this.#slots.keys().next();
      if (oldest.done === true) break;
      this.#evict(oldest.value);
    }
    const timer = setTimeout(() => this.#evict(runId), this.options.ttlMs);
    // Node timers have unref(); fake timers and other runtimes may not.
    (timer as { unref?: () => void }).unref?.();
    this.#slots.set(runId, { entry, timer });
  }

  /** The entry of an open run. */
  get(runId: string | undefined): E | undefined {
    return runId === undefined ? undefined : this.#slots.get(runId)?.entry;
  }

  /** Removes and returns the entry of a run that ended. */
  take(runId: string): E | undefined {
    const slot = this.#slots.get(runId);
    this.#clear(runId);
    return slot?.entry;
  }

  /** Evicts every open run (on shutdown). */
  evictAll(): void {
    for (const runId of [...this.#slots.keys()]) this.#evict(runId);
  }

  #clear(runId: string): void {
    const slot = this.#slots.get(runId);
    if (slot === undefined) return;
    clearTimeout(slot.timer);
    this.#slots.delete(runId);
  }

  #evict(runId: string): void {
    const slot = this.#slots.get(runId);
    if (slot === undefined) return;
    this.#clear(runId);
    this.options.onEvict(runId, slot.entry);
  }
}
