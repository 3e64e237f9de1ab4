/**
 * Runs one async job at a time and coalesces requests: whoever asks while a run is in flight shares the
 * *next* run (which starts after the current one and so sees everything that happened before the ask).
 * The controller uses it for plan-and-apply, which works on the whole fleet: two at once could act twice.
 */
export class CoalescingRunner<T> {
  private current: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly job: () => Promise<T>) {}

  /** Resolves with the result of a run that started after this call. */
  run(): Promise<T> {
    if (!this.current) return this.startNow();
    this.next ??= this.current.then(
      () => this.promoteNext(),
      () => this.promoteNext(),
    );
    return this.next;
  }

  /** Resolves once no run is in flight or queued (never rejects). */
  async whenIdle(): Promise<void> {
    while (this.current)
      await this.current.then(
        () => undefined,
        () => undefined,
      );
  }

  /** True while a run is in flight. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  private promoteNext(): Promise<T> {
    this.next = undefined;
    return this.startNow();
  }

  private startNow(): Promise<T> {
    const started = (async () => this.job())();
    this.current = started;
    const clear = () => {
      // While a next run is queued, `current` stays set so no caller can start a run beside it.
      if (this.current === started && !this.next) this.current = undefined;
    };
    started.then(clear, clear);
    return started;
  }
}
