import type { MigrationTuning } from './contracts';

/**
 * Defaults for the fan-out and the watch. Key batches are small because they run one at a time
 * against one throttle budget (a batch of 50 at 1,200/hour is 2.5 minutes); path and target
 * batches are larger and run a few at once.
 */
export const defaultTuning: MigrationTuning = {
  keyBatchSize: 50,
  pathBatchSize: 200,
  assetBatchSize: 50,
  parallelism: 4,
  batchesPerGeneration: 200,
  watchIntervalHours: 24,
  finalSnapshotLeadHours: 12,
  deletionWarningLeadDays: 7,
};

const LIMITS: Record<keyof MigrationTuning, [number, number]> = {
  keyBatchSize: [1, 10_000],
  pathBatchSize: [1, 10_000],
  assetBatchSize: [1, 10_000],
  parallelism: [1, 64],
  batchesPerGeneration: [1, 10_000],
  watchIntervalHours: [1, 24 * 30],
  finalSnapshotLeadHours: [0, 24 * 30],
  deletionWarningLeadDays: [0, 89],
};

/** Defaults overlaid with a request's tuning; throws naming every value out of range. */
export function resolveTuning(overrides: Partial<MigrationTuning> | undefined): MigrationTuning {
  const tuning: MigrationTuning = { ...defaultTuning };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(overrides ?? {})) {
    const key = name as keyof MigrationTuning;
    const limits = LIMITS[key];
    if (!limits) {
      problems.push(`unknown tuning setting "${name}"`);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`tuning.${name} must be a number`);
    } else if (value < limits[0] || value > limits[1]) {
      problems.push(`tuning.${name} must be between ${limits[0]} and ${limits[1]}, got ${value}`);
    } else {
      tuning[key] = value;
    }
  }
  if (problems.length) throw new Error(`invalid migration tuning: ${problems.join('; ')}`);
  return tuning;
}
