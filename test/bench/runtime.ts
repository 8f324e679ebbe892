/**
 * Benchmark of the local durable runtime (npm run bench:runtime): a 10,000-activity fan-out in
 * batches, run by the runtime and, side by side in the same process, by calling the same activity
 * handlers directly with the same concurrency and the same batches. Prints the wall times, the
 * runtime's overhead ratio, and how many history events each activity costs.
 */
import type { ActivityHandler, OrchestrationContext, Task } from 'durable-functions';
import { InvocationContext } from '@azure/functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, MemoryStore, type DurableStore } from '../../local/runtime';
import { TableStore } from '../../local/runtime/table-store';
import { startAzurite } from '../../local/azurite';

const ACTIVITIES = 10_000;
const BATCH = 500;
const CONCURRENCY = 32;

interface Variant {
  label: string;
  activity: ActivityHandler;
}

const variants: Variant[] = [
  {
    label: 'activity waits 2 ms (I/O-like)',
    activity: async (input: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { asset: input, ok: true };
    },
  },
  {
    label: 'activity returns at once (pure overhead)',
    activity: async (input: unknown) => ({ asset: input, ok: true }),
  },
];

function registryFor(activity: ActivityHandler) {
  return createRegistry(
    {
      batches: function* (context: OrchestrationContext) {
        const { count, batch } = context.df.getInput() as { count: number; batch: number };
        let ok = 0;
        for (let start = 0; start < count; start += batch) {
          const tasks: Task[] = [];
          for (let i = start; i < Math.min(count, start + batch); i++)
            tasks.push(context.df.callActivity('work', i));
          const results = (yield context.df.Task.all(tasks)) as Array<{ ok: boolean }>;
          ok += results.filter((r) => r.ok).length;
        }
        return ok;
      },
      perBatch: function* (context: OrchestrationContext) {
        const { count, batch } = context.df.getInput() as { count: number; batch: number };
        const children: Task[] = [];
        for (let start = 0, n = 0; start < count; start += batch, n++)
          children.push(
            context.df.callSubOrchestrator(
              'oneBatch',
              { start, end: Math.min(count, start + batch) },
              `batch-${n}`,
            ),
          );
        const counts = (yield context.df.Task.all(children)) as number[];
        return counts.reduce((a, b) => a + b, 0);
      },
      oneBatch: function* (context: OrchestrationContext) {
        const { start, end } = context.df.getInput() as { start: number; end: number };
        const tasks: Task[] = [];
        for (let i = start; i < end; i++) tasks.push(context.df.callActivity('work', i));
        const results = (yield context.df.Task.all(tasks)) as Array<{ ok: boolean }>;
        return results.filter((r) => r.ok).length;
      },
    },
    { work: activity },
  );
}

/**
 * The same activities called directly with the same concurrency bound: wave after wave like the
 * single orchestrator, or all batches at once like the parallel sub-orchestrations.
 */
async function direct(activity: ActivityHandler, waves: boolean): Promise<number> {
  const began = performance.now();
  const size = waves ? BATCH : ACTIVITIES;
  for (let start = 0; start < ACTIVITIES; start += size) {
    const inputs = Array.from({ length: Math.min(size, ACTIVITIES - start) }, (_, k) => start + k);
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const i = inputs[next++] as number;
        const context = new InvocationContext({ functionName: 'work', invocationId: String(i) });
        JSON.parse(JSON.stringify(await activity(JSON.parse(JSON.stringify(i)), context)));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  return performance.now() - began;
}

async function viaRuntime(
  activity: ActivityHandler,
  store: DurableStore,
  orchestration: 'batches' | 'perBatch',
): Promise<{ ms: number; events: number; episodes: number }> {
  const runtime = new DurableRuntime({
    registry: registryFor(activity),
    store,
    maxConcurrentActivities: CONCURRENCY,
  });
  const began = performance.now();
  await runtime.client.startNew(orchestration, {
    instanceId: 'bench',
    input: { count: ACTIVITIES, batch: BATCH },
  });
  const record = await runtime.waitForCompletion('bench');
  const ms = performance.now() - began;
  if (record.runtimeStatus !== 'Completed' || record.output !== String(ACTIVITIES))
    throw new Error(`benchmark run ended ${record.runtimeStatus}: ${record.output}`);
  await runtime.stop();
  return { ms, events: runtime.stats.historyEvents, episodes: runtime.stats.episodes };
}

async function main(): Promise<void> {
  const azurite = await startAzurite();
  console.log(
    `local durable runtime: ${ACTIVITIES} activities in batches of ${BATCH}, ${CONCURRENCY} at once (Node ${process.version})\n`,
  );
  const rows: string[][] = [
    [
      'activity',
      'host',
      'store',
      'wall ms',
      'direct ms',
      'overhead',
      'µs/activity',
      'events/activity',
      'episodes',
    ],
  ];
  try {
    for (const variant of variants) {
      const runs: Array<[string, string, () => DurableStore]> = [
        ['batches', 'memory', () => new MemoryStore()],
        ['perBatch', 'memory', () => new MemoryStore()],
        [
          'batches',
          'table (Azurite)',
          () =>
            new TableStore({
              storage: { connectionString: azurite.connectionString },
              table: `bench${Date.now()}`,
              container: `bench${Date.now()}`,
            }),
        ],
      ];
      for (const [orchestration, storeLabel, makeStore] of runs) {
        // Side by side: direct, runtime, direct again; the ratio uses the mean of both direct runs.
        const waves = orchestration === 'batches';
        const d1 = await direct(variant.activity, waves);
        const r = await viaRuntime(
          variant.activity,
          makeStore(),
          orchestration as 'batches' | 'perBatch',
        );
        const d2 = await direct(variant.activity, waves);
        const d = (d1 + d2) / 2;
        rows.push([
          variant.label,
          orchestration === 'batches'
            ? 'one orchestrator, 20 waves'
            : '20 sub-orchestrations at once',
          storeLabel,
          r.ms.toFixed(0),
          d.toFixed(0),
          `${(r.ms / d).toFixed(2)}x`,
          (((r.ms - d) * 1000) / ACTIVITIES).toFixed(0),
          (r.events / ACTIVITIES).toFixed(2),
          String(r.episodes),
        ]);
      }
    }
  } finally {
    await azurite.stop();
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
