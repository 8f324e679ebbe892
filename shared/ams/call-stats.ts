import { AsyncLocalStorage } from 'node:async_hooks';

/** What the AMS client did: requests sent (retries included), by outcome, and time spent waiting. */
export interface CallStats {
  requests: number;
  /** Requests per ARM method (GET, POST...), for the benchmark's "requests over minimum". */
  byMethod: Record<string, number>;
  contentKeyRequests: number;
  throttled: number;
  serverErrors: number;
  dropped: number;
  waitedMs: number;
}

export function emptyStats(): CallStats {
  return {
    requests: 0,
    byMethod: {},
    contentKeyRequests: 0,
    throttled: 0,
    serverErrors: 0,
    dropped: 0,
    waitedMs: 0,
  };
}

const scope = new AsyncLocalStorage<CallStats>();

/** Runs `work` with its own counters (each activity counts its own calls, even when several run). */
export async function withCallStats<T>(
  work: () => Promise<T>,
): Promise<{ result: T; stats: CallStats }> {
  const stats = emptyStats();
  const result = await scope.run(stats, work);
  return { result, stats };
}

/** The counters of the current scope plus the client-wide ones. */
export function statsTargets(global: CallStats): CallStats[] {
  const local = scope.getStore();
  return local ? [global, local] : [global];
}
