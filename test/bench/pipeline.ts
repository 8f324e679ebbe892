/**
 * npm run bench:pipeline — the pipeline's two figures, measured side by side in one run against the
 * AMS emulator on a virtual clock and an in-memory Azurite:
 *   1. content-key export rate achieved over rate allowed (goal >= 0.95), with the emulator
 *      enforcing the same budget;
 *   2. for a 100,000-asset account, ARM requests the snapshot issued over the minimum needed
 *      (goal <= 1.02), and peak memory while it ran.
 * Options: --assets N (default 100000), --keys N (encrypted locators for the rate, default 1000),
 * --budget N (key calls per hour, default 1200).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { startAmsEmulator } from '../../emulators/ams';
import { typeByKey } from '../../emulators/ams/types';
import { startAzurite } from '../../local/azurite';
import { VirtualClock } from '../../local/runtime/virtual-clock';
import { loadConfig } from '../../shared/config';
import { exportKeysBatch } from '../../shared/export/export-keys';
import { planBatches } from '../../shared/pipeline/batches';
import { createDependencies } from '../../shared/pipeline/dependencies';
import { LocalSecretStore } from '../../shared/secrets';
import { readManifest } from '../../shared/snapshot/manifest';
import { snapshotReader } from '../../shared/snapshot/snapshot-reader';
import { takeSnapshot } from '../../shared/snapshot/take-snapshot';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';

const SUB = '00000000-0000-0000-0000-00000000bead';
const RG = 'bench';
const START = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/**
 * Advances the virtual clock to the next wake-up whenever work is parked in sleep and no ARM
 * request is in flight (as the local runtime does when nothing can run), so virtual waits cost no
 * real time and every request reaches the emulator at the virtual time it was sent.
 */
function autoAdvance(clock: VirtualClock, inFlight: () => number): () => void {
  let scheduled = false;
  const tick = () => {
    scheduled = false;
    if (!clock.sleepers) return;
    if (inFlight() === 0) {
      const next = clock.nextWakeUp();
      if (next !== undefined) clock.advanceTo(next);
    }
    scheduled = true;
    setImmediate(tick);
  };
  const off = clock.onChange(() => {
    if (scheduled || !clock.sleepers) return;
    scheduled = true;
    setImmediate(tick);
  });
  return off;
}

/** Counts ARM requests in flight (below the retry layer: one per attempt). */
function inFlightCounter(): { policy: PipelinePolicy; count: () => number } {
  let n = 0;
  return {
    count: () => n,
    policy: {
      name: 'benchInFlight',
      async sendRequest(request, next) {
        n += 1;
        try {
          return await next(request);
        } finally {
          n -= 1;
        }
      },
    },
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const assets = arg('assets', 100_000);
  const keys = arg('keys', 1_000);
  const budget = arg('budget', 1_200);
  const azurite = await startAzurite();
  const clock = new VirtualClock(START);
  const inFlight = inFlightCounter();
  const stopClock = autoAdvance(clock, inFlight.count);
  const rateAccount = 'benchkeys';
  const bigAccount = 'benchbig';
  const emu = await startAmsEmulator({
    clock,
    storage: { default: azurite.connectionString },
    // The service's limit, enforced: no burst, so pacing faster than allowed would show as 429s.
    budgets: { contentKeys: { limit: budget, perMs: 3_600_000, burst: 1 } },
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: rateAccount,
          retirementDate: new Date(START + 60 * DAY).toISOString(),
          generate: {
            assets: keys,
            mix: { clear: 0, aes: 0.5, drm: 0.5 },
            containers: 'none',
            realMediaAssets: 0,
            awkwardNames: false,
          },
        },
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: bigAccount,
          retirementDate: new Date(START + 60 * DAY).toISOString(),
          generate: { assets, containers: 'none', realMediaAssets: 0 },
        },
      ],
    },
  });
  const config = loadConfig({
    LIFEBOAT_STORAGE: azurite.connectionString,
    LIFEBOAT_KEY_BUDGET_PER_HOUR: String(budget),
  });
  const deps = createDependencies(config, {
    clock,
    credential: emu.credential,
    caCert: emu.caCert,
    armEndpoint: emu.armEndpoint,
    secrets: new LocalSecretStore(join(await mkdtemp(join(tmpdir(), 'bench-secrets-')), 's')),
    mediaStorage: connectionStringMediaStorage({}),
    log: () => undefined,
  });
  deps.ams.forSubscription(SUB).pipeline.addPolicy(inFlight.policy, { phase: 'Sign' });
  try {
    // 1. Content-key export rate.
    const rateId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Media/mediaServices/${rateAccount}`;
    const small = await takeSnapshot(deps, { accountId: rateId });
    const encrypted = small.counts.encryptedLocators ?? 0;
    const batches = planBatches({ snapshot: small, resource: 'streamingLocators', batchSize: 250 });
    emu.admin.clearRequests();
    const t0 = clock.now();
    let done = 0;
    let calls = 0;
    // Batches run side by side, as the orchestration fans them out; the pacer is per account.
    const results = await Promise.all(
      batches.map((batch) => exportKeysBatch(deps, { accountId: rateId, batch })),
    );
    for (const r of results) {
      done += r.done;
      calls += r.calls;
    }
    const elapsedMs = clock.now() - t0;
    const throttled = emu.admin.requests({
      operation: 'streamingLocators.listContentKeys',
      status: 429,
    }).length;
    // Successful key calls (one per locator); N of them at the allowed rate need N - 1 intervals.
    const achievedPerHour = (done - 1) / (elapsedMs / 3_600_000);
    console.log(
      `content-key export: ${done}/${encrypted} locators exported, ${calls} requests (${throttled} answered 429) in ${(elapsedMs / 3_600_000).toFixed(3)} h virtual; ` +
        `rate achieved ${achievedPerHour.toFixed(1)}/h over allowed ${budget}/h = ${(achievedPerHour / budget).toFixed(4)} (goal >= 0.95)`,
    );

    // 2. Snapshot of a large account: requests over the minimum, and peak memory.
    const bigId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Media/mediaServices/${bigAccount}`;
    gc();
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakLive = baseline.heapUsed;
    let peakRss = baseline.rss;
    let samples = 0;
    // Heap right after a full GC is what the run holds live; the emulator shares this process, so
    // its own working set (sorted views, responses in flight) is part of the figure.
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
      if (++samples % 80 === 0) {
        gc();
        peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
      }
    }, 25);
    const before = deps.ams.stats.requests;
    const realStart = Date.now();
    const snapshot = await takeSnapshot(deps, { accountId: bigId });
    clearInterval(sampler);
    const issued = deps.ams.stats.requests - before;
    const manifest = await readManifest(deps.output, snapshot.path);
    const pages = (key: string, count: number) =>
      Math.max(1, Math.ceil(count / typeByKey(key).pageSize));
    const c = snapshot.counts;
    const n = (k: string) => c[k] ?? 0;
    const jobsPerTransform = new Map<string, number>();
    for await (const job of snapshotReader(deps.output, snapshot.path).records<{
      name: string;
      transformName?: string;
    }>('jobs'))
      jobsPerTransform.set(
        job.transformName ?? '',
        (jobsPerTransform.get(job.transformName ?? '') ?? 0) + 1,
      );
    const minimum =
      1 + // the account GET
      pages('accountFilters', n('accountFilters')) +
      pages('streamingPolicies', n('streamingPolicies')) +
      pages('contentKeyPolicies', n('contentKeyPolicies')) +
      pages('streamingLocators', n('streamingLocators')) +
      pages('assets', n('assets')) +
      n('assets') + // one asset-filter list per asset
      pages('streamingEndpoints', n('streamingEndpoints')) +
      pages('liveEvents', n('liveEvents')) +
      n('liveEvents') + // one live-output list per live event
      pages('transforms', n('transforms')) +
      [...Array(n('transforms')).keys()].reduce(
        (sum, i) => sum + pages('jobs', [...jobsPerTransform.values()][i] ?? 0),
        0,
      );
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
    console.log(
      `snapshot of ${n('assets')} assets, ${n('streamingLocators')} locators, ${n('assetFilters')} asset filters: ` +
        `${issued} ARM requests over ${minimum} minimum = ${(issued / minimum).toFixed(4)} (goal <= 1.02); ` +
        `${manifest.unreadable.length} unreadable; ${((Date.now() - realStart) / 1000).toFixed(1)} s real`,
    );
    console.log(
      `peak memory during the snapshot: live heap after GC ${mb(peakLive)} MB (+${mb(peakLive - baseline.heapUsed)} MB over the seeded emulator), ` +
        `heap incl. garbage ${mb(peakHeap)} MB, rss ${mb(peakRss)} MB`,
    );
  } finally {
    stopClock();
    await emu.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
