import { VirtualClock } from '../../local/runtime/virtual-clock';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { RatePacer, TokenBucket } from '../../shared/ams/pacer';
import { accountOfUrl, isContentKeyOperation, retryAfterMs } from '../../shared/ams/retry-policy';
import { autoAdvance } from './support';

describe('key budget pacer', () => {
  it('spaces concurrent callers evenly at the allowed rate, never faster', async () => {
    const clock = new VirtualClock(0);
    const stop = autoAdvance(clock);
    try {
      const pacer = new RatePacer(clock, 1_200);
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 10; i++) {
            await pacer.acquire();
            starts.push(clock.now());
          }
        }),
      );
      starts.sort((a, b) => a - b);
      expect(starts).toHaveLength(40);
      expect(starts[0]).toBe(0);
      for (let i = 1; i < starts.length; i++)
        expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeCloseTo(3_001.5, 6);
      // Achieved over allowed: 39 intervals after the first call, a hair under the budget.
      const ratio = (39 * 3_000) / (starts.at(-1) ?? 1);
      expect(ratio).toBeGreaterThan(0.999);
      expect(ratio).toBeLessThanOrEqual(1);
    } finally {
      stop();
    }
  });

  it('waits for Retry-After when the service says so, then resumes the pace', async () => {
    const clock = new VirtualClock(0);
    const stop = autoAdvance(clock);
    try {
      const pacer = new RatePacer(clock, 3_600);
      await pacer.acquire();
      pacer.deferUntil(60_000);
      await pacer.acquire();
      expect(clock.now()).toBe(60_000);
      await pacer.acquire();
      expect(clock.now()).toBeCloseTo(61_000.5, 6);
      expect(() => new RatePacer(clock, 0)).toThrow(/positive/);
    } finally {
      stop();
    }
  });

  it('recognises content-key operations and the account of a request', () => {
    const base =
      'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaservices/Acct';
    expect(
      isContentKeyOperation(`${base}/streamingLocators/l1/listContentKeys?api-version=2022-08-01`),
    ).toBe(true);
    expect(
      isContentKeyOperation(
        `${base}/contentKeyPolicies/p/getPolicyPropertiesWithSecrets?api-version=x`,
      ),
    ).toBe(true);
    expect(isContentKeyOperation(`${base}/streamingLocators/l1/listPaths?api-version=x`)).toBe(
      false,
    );
    expect(accountOfUrl(`${base}/assets?api-version=x`)).toBe(
      '/subscriptions/s/resourcegroups/rg/providers/microsoft.media/mediaservices/acct',
    );
    expect(
      accountOfUrl(
        'https://management.azure.com/subscriptions/s/providers/Microsoft.Media/mediaservices',
      ),
    ).toBeUndefined();
  });

  it('lets a burst through, then refills at the ARM rate', async () => {
    const clock = new VirtualClock(0);
    const stop = autoAdvance(clock);
    try {
      const bucket = new TokenBucket(clock, 25, 250);
      for (let i = 0; i < 250; i++) await bucket.acquire();
      expect(clock.now()).toBe(0);
      for (let i = 0; i < 25; i++) await bucket.acquire();
      expect(clock.now()).toBeCloseTo(1_000, 6);
      bucket.deferUntil(10_000);
      await bucket.acquire();
      // Retry-After, then its place in the queue (one interval, or two with a reservation pending).
      expect(clock.now()).toBeGreaterThanOrEqual(10_040);
      expect(clock.now()).toBeLessThanOrEqual(10_080);
    } finally {
      stop();
    }
  });

  it('reads Retry-After as seconds, as an HTTP date, or in milliseconds', () => {
    const answer = (headers: Record<string, string>) => ({
      status: 429,
      headers: createHttpHeaders(headers),
      request: createPipelineRequest({ url: 'https://x' }),
    });
    expect(retryAfterMs(answer({ 'retry-after': '7' }), 0)).toBe(7_000);
    expect(retryAfterMs(answer({ 'retry-after': new Date(90_000).toUTCString() }), 30_000)).toBe(
      60_000,
    );
    expect(retryAfterMs(answer({ 'retry-after-ms': '250' }), 0)).toBe(250);
    expect(retryAfterMs(answer({}), 0)).toBeUndefined();
  });
});
