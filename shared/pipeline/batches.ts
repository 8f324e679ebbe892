import type { BatchRef, PlanBatchesInput } from './contracts';

/** Cuts a snapshot resource file into batches by record position (pure). */
export function planBatches(input: PlanBatchesInput): BatchRef[] {
  const total = input.snapshot.counts[input.resource] ?? 0;
  const size = Math.floor(input.batchSize);
  if (!(size > 0))
    throw new Error(
      `planBatches: batchSize must be a positive whole number, got ${input.batchSize}`,
    );
  const out: BatchRef[] = [];
  for (let offset = 0; offset < total; offset += size) {
    out.push({
      snapshotPath: input.snapshot.path,
      resource: input.resource,
      offset,
      count: Math.min(size, total - offset),
    });
  }
  return out;
}
