/**
 * Time as the domain code sees it. Activities and adapters never call Date.now() or setTimeout
 * directly for waits that matter (Retry-After, pacing to a throttle budget): they use a Clock, so
 * the one-machine host can run them on virtual time, where a wait of hours passes in an instant
 * as soon as nothing else can run. Emulators read the same clock, so their lifecycle (read-only,
 * deletion) and their throttle budgets follow it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Waits `ms` of real time; rejects with the signal's reason when aborted (and stops the timer). */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: realSleep,
};
