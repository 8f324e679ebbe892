import { realSleep, type Clock } from '../../shared/clock';

/**
 * The emulator's own clock when the caller gives none: real time moved by an offset and,
 * optionally, running faster than real time, so that an hour of throttle budget or ninety days of
 * retirement can pass in a test. `set`/`advance` are what the admin API calls.
 */
export class SettableClock implements Clock {
  private baseReal = Date.now();
  private baseEmulated: number;
  private rate: number;

  constructor(start = Date.now(), rate = 1) {
    this.baseEmulated = start;
    this.rate = rate;
  }

  now(): number {
    return this.baseEmulated + (Date.now() - this.baseReal) * this.rate;
  }

  set(ms: number): void {
    this.baseReal = Date.now();
    this.baseEmulated = ms;
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** How many emulated milliseconds pass per real millisecond. */
  setRate(rate: number): void {
    if (!(rate > 0)) throw new Error('clock rate must be positive');
    this.set(this.now());
    this.rate = rate;
  }

  getRate(): number {
    return this.rate;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return realSleep(ms / this.rate, signal);
  }
}
