/**
 * Benchmark of the blob-event path (npm run bench:triggers). Ten new assets of fifty
 * blobs each arrive as BlobCreated events, every event delivered twice (Event Grid delivers at
 * least once) and 32 at a time. Side by side in one run, on the local durable runtime with a
 * stand-in orchestration that handles each assets-added in an activity:
 *
 * - debounced: this app's handler (Table-storage window per container), and
 * - naive: raising assets-added for every delivery.
 *
 * Prints, for both, the orchestration's assets-added handlings, the history events they cost, the
 * wall time and the heap growth, and the ratios naive / debounced.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { startAzurite } from '../../local/azurite';
import { DurableRuntime } from '../../local/runtime';
import { systemClock } from '../../shared/clock';
import { loadConfig } from '../../shared/config';
import { EventNames, OrchestrationNames } from '../../shared/pipeline/contracts';
import { tableClient } from '../../shared/storage/clients';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { handleAssetBlobEvent, type BlobEventInput } from '../../shared/triggers/blob-events';
import { createTriggerServices } from '../../shared/triggers/services';

const ASSETS = 10;
const BLOBS_PER_ASSET = 50;
const DELIVERIES = 2;
const CONCURRENCY = 32;
const ACCOUNT = `/subscriptions/00000000-0000-0000-0000-000000000b00/resourceGroups/bench/providers/Microsoft.Media/mediaServices/bench`;

function registry(handled: { count: number }) {
  return createRegistry(
    {
      [OrchestrationNames.accountMigration]: function* (context: OrchestrationContext) {
        const cancel = context.df.waitForExternalEvent(EventNames.cancel);
        for (;;) {
          const added = context.df.waitForExternalEvent(EventNames.assetsAdded);
          const winner: Task = yield context.df.Task.any([added, cancel]);
          if (winner !== added) return 'done';
          yield context.df.callActivity('handle', null);
        }
      },
    },
    {
      handle: async () => {
        handled.count++;
        return null;
      },
    },
  );
}

function deliveries(): BlobEventInput[] {
  const base = Date.UTC(2025, 2, 1);
  const events: BlobEventInput[] = [];
  for (let a = 0; a < ASSETS; a++) {
    for (let b = 0; b < BLOBS_PER_ASSET; b++) {
      const container = `asset-${String(a).padStart(4, '0')}`;
      events.push({
        id: `${container}/${b}`,
        eventType: 'Microsoft.Storage.BlobCreated',
        subject: `/blobServices/default/containers/${container}/blobs/f${b}.mp4`,
        topic: `/subscriptions/x/resourceGroups/bench/providers/Microsoft.Storage/storageAccounts/benchmedia`,
        eventTime: new Date(base + a * 3_600_000 + b * 500).toISOString(),
      });
    }
  }
  const all = Array.from({ length: DELIVERIES }, () => events).flat();
  // Deterministic shuffle: deliveries arrive out of order.
  let seed = 42;
  for (let i = all.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [all[i], all[j]] = [all[j] as BlobEventInput, all[i] as BlobEventInput];
  }
  return all;
}

async function pool<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

interface Result {
  label: string;
  handled: number;
  historyEvents: number;
  ms: number;
  heapMb: number;
}

async function run(
  connectionString: string,
  label: string,
  deliver: (
    services: ReturnType<typeof createTriggerServices>,
    event: BlobEventInput,
  ) => Promise<unknown>,
): Promise<Result> {
  const handled = { count: 0 };
  const runtime = new DurableRuntime({ registry: registry(handled) });
  const suffix = label.replace(/\W/g, '').slice(0, 8);
  const config = loadConfig({ LIFEBOAT_STORAGE: connectionString });
  const services = createTriggerServices({
    config,
    client: runtime.client,
    clock: systemClock,
    listAccounts: async () => [],
    tables: {
      triggers: tableClient(config.storage, `benchtrig${suffix}`),
      containers: tableClient(config.storage, `benchcont${suffix}`),
      ledger: tableClient(config.storage, `benchledger${suffix}`),
    },
    blobs: BlobServiceClient.fromConnectionString(connectionString),
  });
  await services.blobEvents.index.recordStorageAccounts(ACCOUNT, ['benchmedia']);
  await services.migrations.start(
    { accountId: ACCOUNT, targets: ['static'], extensionPolicy: 'never' },
    false,
    'bench',
  );
  await runtime.runUntilIdle();
  const events = deliveries();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const historyBefore = runtime.stats.historyEvents;
  const started = performance.now();
  await pool(events, (event) => deliver(services, event));
  await runtime.runUntilIdle();
  const ms = performance.now() - started;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const historyEvents = runtime.stats.historyEvents - historyBefore;
  await runtime.client.raiseEvent(accountInstanceId(ACCOUNT), EventNames.cancel, {});
  await runtime.runUntilIdle();
  await runtime.stop();
  return { label, handled: handled.count, historyEvents, ms, heapMb };
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const debounced = await run(azurite.connectionString, 'debounced', (s, e) =>
      handleAssetBlobEvent(s.blobEvents, e),
    );
    const naive = await run(azurite.connectionString, 'naive', (s, e) =>
      s.client.raiseEvent(accountInstanceId(ACCOUNT), EventNames.assetsAdded, { id: e.id }),
    );
    const total = ASSETS * BLOBS_PER_ASSET * DELIVERIES;
    console.log(
      `${total} deliveries (${ASSETS} assets x ${BLOBS_PER_ASSET} blobs x ${DELIVERIES}), ${CONCURRENCY} at a time`,
    );
    for (const r of [debounced, naive]) {
      console.log(
        `${r.label.padEnd(10)} handlings ${String(r.handled).padStart(5)}  history events ${String(r.historyEvents).padStart(6)}  ${r.ms.toFixed(0).padStart(6)} ms  ${(r.ms / total).toFixed(2)} ms/delivery  heap +${r.heapMb.toFixed(1)} MB`,
      );
    }
    console.log(
      `ratios naive/debounced: handlings ${(naive.handled / debounced.handled).toFixed(1)}x, history events ${(naive.historyEvents / debounced.historyEvents).toFixed(1)}x, wall time ${(naive.ms / debounced.ms).toFixed(2)}x`,
    );
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
