import type { BatchRef } from './contracts';

/**
 * Batching arithmetic for the fan-out: work is cut into slices of a snapshot file by position, so
 * orchestration history grows with the number of batches, not with the number of assets.
 */

/** Slices `[0, total)` of one snapshot file into batches of at most `size` records. */
export function sliceBatches(
  snapshotPath: string,
  resource: string,
  total: number,
  size: number,
): BatchRef[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be >= 1, got ${size}`);
  if (!Number.isInteger(total) || total < 0) throw new Error(`total must be >= 0, got ${total}`);
  const batches: BatchRef[] = [];
  for (let offset = 0; offset < total; offset += size) {
    batches.push({ snapshotPath, resource, offset, count: Math.min(size, total - offset) });
  }
  return batches;
}

/** Splits items into consecutive waves of at most `parallelism` items (each wave runs at once). */
export function waves<T>(items: readonly T[], parallelism: number): T[][] {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new Error(`parallelism must be >= 1, got ${parallelism}`);
  }
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += parallelism) result.push(items.slice(i, i + parallelism));
  return result;
}

/** Number of batches `sliceBatches` makes, without building them. */
export function batchCount(total: number, size: number): number {
  return total <= 0 ? 0 : Math.ceil(total / size);
}

/** A stable, short label for a batch (ledger rows, status, failure lists). */
export function batchLabel(batch: BatchRef): string {
  return `${batch.resource}[${batch.offset}+${batch.count}]`;
}
