import { RestError, type PipelinePolicy, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';
import type { CallStats } from './call-stats';
import { statsTargets } from './call-stats';
import type { PacerPool, TokenBucket } from './pacer';

export const lifeboatRetryPolicyName = 'lifeboatRetryPolicy';

export interface RetryOptions {
  /** Attempts for 5xx answers and dropped connections (429s are retried for as long as `maxThrottleWaitMs`). */
  maxAttempts?: number;
  /** First backoff after a 5xx or a dropped connection; doubles up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** When a 429 has no Retry-After. */
  defaultRetryAfterMs?: number;
  /** Total time one call may spend waiting on 429s before it fails. */
  maxThrottleWaitMs?: number;
}

const RETRIABLE_STATUS = new Set([408, 500, 502, 503, 504]);
const CONTENT_KEY_OPERATION = /\/(listContentKeys|getPolicyPropertiesWithSecrets)$/i;
const ACCOUNT_PATH =
  /\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Media\/mediaServices\/[^/?]+/i;

/** Whether a request is a content-key operation (paced to the per-account key budget). */
export function isContentKeyOperation(url: string): boolean {
  return CONTENT_KEY_OPERATION.test(new URL(url).pathname);
}

/** The account an ARM request addresses, lower-cased; undefined for subscription-level calls. */
export function accountOfUrl(url: string): string | undefined {
  return ACCOUNT_PATH.exec(new URL(url).pathname)?.[0].toLowerCase();
}

/** Retry-After as seconds or an HTTP date (or the ms variants), in ms from `now`. */
export function retryAfterMs(response: PipelineResponse, now: number): number | undefined {
  const ms = response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isDroppedConnection(error: unknown): boolean {
  if (!(error instanceof RestError)) return false;
  if (error.statusCode !== undefined) return false;
  return error.code !== 'PARSE_ERROR' && !/abort/i.test(error.name + error.message);
}

/**
 * Replaces the SDK's retry policy: every wait (Retry-After, backoff, pacing) goes through the
 * Clock, so runs on virtual time skip them, and content-key operations are paced to the account's
 * budget before each attempt. 429 is retried after the service's Retry-After for as long as a call
 * may wait; 5xx and dropped connections with exponential backoff. Every attempt is counted.
 */
export function lifeboatRetryPolicy(options: {
  clock: Clock;
  keyPacers: PacerPool;
  /** The subscription's ARM read and write buckets (one client per subscription). */
  arm?: { reads: TokenBucket; writes: TokenBucket };
  stats: CallStats;
  retry?: RetryOptions;
}): PipelinePolicy {
  const { clock, keyPacers } = options;
  const maxAttempts = options.retry?.maxAttempts ?? 8;
  const base = options.retry?.baseBackoffMs ?? 1_000;
  const maxBackoff = options.retry?.maxBackoffMs ?? 60_000;
  const defaultRetryAfter = options.retry?.defaultRetryAfterMs ?? 10_000;
  const maxThrottleWait = options.retry?.maxThrottleWaitMs ?? 24 * 3_600_000;

  return {
    name: lifeboatRetryPolicyName,
    async sendRequest(request, next) {
      const account = accountOfUrl(request.url);
      const pacer =
        account && isContentKeyOperation(request.url) ? keyPacers.get(account) : undefined;
      const targets = statsTargets(options.stats);
      const count = (update: (s: CallStats) => void) => targets.forEach(update);
      let failures = 0;
      let throttleWait = 0;
      // The SDK's AbortSignalLike is what Node's AbortSignal implements.
      const signal = request.abortSignal as AbortSignal | undefined;
      const wait = async (ms: number) => {
        count((s) => (s.waitedMs += ms));
        await clock.sleep(ms, signal);
      };

      const bucket = options.arm
        ? request.method === 'GET'
          ? options.arm.reads
          : options.arm.writes
        : undefined;
      for (;;) {
        if (bucket) {
          const waited = await bucket.acquire(signal);
          if (waited > 0) count((s) => (s.waitedMs += waited));
        }
        if (pacer) {
          const before = clock.now();
          await pacer.acquire(signal);
          const waited = clock.now() - before;
          if (waited > 0) count((s) => (s.waitedMs += waited));
        }
        count((s) => {
          s.requests += 1;
          s.byMethod[request.method] = (s.byMethod[request.method] ?? 0) + 1;
          if (pacer) s.contentKeyRequests += 1;
        });
        let response: PipelineResponse;
        try {
          response = await next(request);
        } catch (error) {
          if (!isDroppedConnection(error) || ++failures >= maxAttempts) throw error;
          count((s) => (s.dropped += 1));
          await wait(Math.min(maxBackoff, base * 2 ** (failures - 1)));
          continue;
        }
        if (response.status === 429) {
          count((s) => (s.throttled += 1));
          const delay = retryAfterMs(response, clock.now()) ?? defaultRetryAfter;
          throttleWait += delay;
          if (throttleWait > maxThrottleWait) return response;
          // Whoever answered 429 (the key budget or ARM), the next attempt waits for Retry-After.
          if (pacer) pacer.deferUntil(clock.now() + delay);
          else if (bucket) bucket.deferUntil(clock.now() + delay);
          else await wait(delay);
          continue;
        }
        if (RETRIABLE_STATUS.has(response.status)) {
          count((s) => (s.serverErrors += 1));
          if (++failures >= maxAttempts) return response;
          const hinted = retryAfterMs(response, clock.now());
          await wait(hinted ?? Math.min(maxBackoff, base * 2 ** (failures - 1)));
          continue;
        }
        return response;
      }
    },
  };
}
