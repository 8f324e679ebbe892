import type { Clock } from '../../shared/clock';

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when told to. `sleep` parks the caller until `advanceTo` reaches
 * its wake-up time; the local runtime advances to `nextWakeUp()` when nothing else can run (no
 * orchestrator work, every running activity parked in `sleep`), so days pass in milliseconds.
 * The same object can drive the AMS emulator, whose lifecycle and throttle budgets then follow it.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly sleeping = new Set<Sleeper>();
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  constructor(start: number | Date = Date.UTC(2025, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        wakeAt: this.current + ms,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleeping.delete(sleeper);
        this.notify();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleeping.add(sleeper);
      this.notify();
    });
  }

  /** How many callers are parked in `sleep`. */
  get sleepers(): number {
    return this.sleeping.size;
  }

  /** The earliest time a sleeper wakes up, if any sleeps. */
  nextWakeUp(): number | undefined {
    let next: number | undefined;
    for (const s of this.sleeping) if (next === undefined || s.wakeAt < next) next = s.wakeAt;
    return next;
  }

  /** Moves time forward (never back) and wakes, in time order, every sleeper now due. */
  advanceTo(time: number | Date): void {
    const target = typeof time === 'number' ? time : time.getTime();
    if (target > this.current) this.current = target;
    const due = [...this.sleeping]
      .filter((s) => s.wakeAt <= this.current)
      .sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
    for (const s of due) {
      this.sleeping.delete(s);
      s.resolve();
    }
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Called whenever a sleeper parks or leaves, so a scheduler can re-check whether it is idle. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export function isVirtualClock(clock: Clock): clock is VirtualClock {
  return clock instanceof VirtualClock;
}
