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
    // A hair slower than the budget, so rounding on either side never makes a call one too early.
    this.intervalMs = (3_600_000 / perHour) * 1.0005;
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

  /** When the next call may start (undefined before the first): handed on to whoever paces next. */
  get nextSlotAt(): number | undefined {
    return Number.isFinite(this.nextSlot) ? this.nextSlot : undefined;
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

/**
 * A token bucket on the clock (ARM's subscription limits: reads refill at 25/s up to 250, writes
 * at 10/s up to 200). Callers reserve a token and sleep off any debt, so concurrent callers queue
 * instead of all being answered 429.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    readonly perSecond: number,
    readonly burst: number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1))
      throw new Error('a token bucket needs a positive rate and burst');
    this.tokens = burst;
    this.at = clock.now();
  }

  async acquire(signal?: AbortSignal): Promise<number> {
    const now = this.clock.now();
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
      this.at = now;
    }
    this.tokens -= 1;
    const wait =
      this.tokens >= 0 ? this.at - now : this.at - now + (-this.tokens * 1000) / this.perSecond;
    if (wait > 0) await this.clock.sleep(wait, signal);
    return Math.max(0, wait);
  }

  /** After a 429: no tokens until `time`. */
  deferUntil(time: number): void {
    this.tokens = Math.min(this.tokens, 0);
    this.at = Math.max(this.at, time);
  }
}
