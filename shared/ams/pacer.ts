import type { Clock } from '../clock';

/**
 * Paces calls to a rate budget (e.g. 1,200 content-key operations an hour per account) by handing
 * out evenly spaced start slots on the clock. Slots are reserved before waiting, so concurrent
 * callers queue behind each other instead of bursting; a slot that has already passed (the caller
 * was busy) is used at once, which keeps the achieved rate at the allowed one without ever going
 * over it. `burst` slots may be taken back to back at the start (default 1: none).
 */
export class RatePacer {
  private readonly intervalMs: number;
  private nextSlot = Number.NEGATIVE_INFINITY;
  private taken = 0;
  private waitedMs = 0;

  constructor(
    private readonly clock: Clock,
    readonly perHour: number,
    private readonly burst = 1,
  ) {
    if (!(perHour > 0)) throw new Error(`a rate budget must be positive, got ${perHour}`);
    this.intervalMs = 3_600_000 / perHour;
  }

  /** Resolves when the caller may make one call. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    // An idle pacer earns back at most `burst` slots.
    const earliest = now - (this.burst - 1) * this.intervalMs;
    const slot = Math.max(this.nextSlot, earliest);
    this.nextSlot = slot + this.intervalMs;
    this.taken += 1;
    const wait = slot - now;
    if (wait > 0) {
      this.waitedMs += wait;
      await this.clock.sleep(wait, signal);
    }
  }

  /** Pushes the next slot out (after a 429 with Retry-After: the service knows better). */
  deferUntil(time: number): void {
    this.nextSlot = Math.max(this.nextSlot, time);
  }

  get stats(): { taken: number; waitedMs: number } {
    return { taken: this.taken, waitedMs: this.waitedMs };
  }
}

/** One pacer per key (an account), created on first use. */
export class PacerPool {
  private readonly pacers = new Map<string, RatePacer>();

  constructor(
    private readonly clock: Clock,
    private readonly perHour: number,
    private readonly burst = 1,
  ) {}

  get(key: string): RatePacer {
    const k = key.toLowerCase();
    let pacer = this.pacers.get(k);
    if (!pacer) {
      pacer = new RatePacer(this.clock, this.perHour, this.burst);
      this.pacers.set(k, pacer);
    }
    return pacer;
  }
}
