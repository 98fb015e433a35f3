/**
 * Bytes of PDFs held at once by all calls together. A call reserves what it will hold before
 * it downloads; beyond the budget it waits (until its own deadline or cancellation), so a burst
 * of large documents slows down instead of exhausting the process. One reservation larger than
 * the whole budget is granted alone.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(private readonly capacity: number) {}

  async reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const amount = Math.min(Math.max(0, bytes), this.capacity);
    signal?.throwIfAborted();
    if (this.waiting.length === 0 && this.used + amount <= this.capacity) {
      this.used += amount;
    } else {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          bytes: amount,
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          this.drain();
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(entry);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= amount;
      this.drain();
    };
  }

  /** In order of arrival: a large reservation is not overtaken forever by small ones. */
  private drain(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}
