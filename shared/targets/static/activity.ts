import { getDependencies } from '../../pipeline/dependencies';
import type { AssetMigrationResult, AssetToMigrate, TargetDependencies } from '../target';
import type { StaticTargetOptionsInput } from './options';
import { migrateStaticBatch } from './static-target';

/**
 * The static target on a batch of assets (the app's entry point is `migrateAssetsBatch`,
 * shared/targets/dispatch.ts): a batch of assets in, one result per asset out. Dependencies are
 * the pipeline's (shared/pipeline/dependencies.ts) unless a caller passes its own. Inputs stay small
 * (a batch of asset records and the options); per-asset state lives in the ledger, so a replayed
 * or retried activity skips what is done.
 */

export interface StaticBatchInput {
  assets: AssetToMigrate[];
  options: StaticTargetOptionsInput;
}

export interface StaticBatchOutput {
  done: number;
  failed: number;
  skipped: number;
  results: Array<AssetMigrationResult & { assetName: string }>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the activity input at the edge, naming what is wrong. */
export function parseStaticBatchInput(input: unknown): StaticBatchInput {
  if (!isObject(input)) throw new Error('the static batch input must be an object');
  const { assets, options } = input;
  if (!Array.isArray(assets)) throw new Error('the static batch input needs an assets array');
  if (!isObject(options)) throw new Error('the static batch input needs an options object');
  assets.forEach((a, i) => {
    if (!isObject(a)) throw new Error(`assets[${i}] is not an object`);
    for (const field of ['accountId', 'assetName', 'storageAccountName', 'container'] as const) {
      if (typeof a[field] !== 'string' || !a[field])
        throw new Error(`assets[${i}].${field} must be a non-empty string`);
    }
    if (!Array.isArray(a.locators)) throw new Error(`assets[${i}].locators must be an array`);
    if (!Array.isArray(a.filters)) throw new Error(`assets[${i}].filters must be an array`);
  });
  return {
    assets: assets as unknown as AssetToMigrate[],
    options: options as unknown as StaticTargetOptionsInput,
  };
}

export async function runStaticBatchActivity(
  input: unknown,
  deps?: TargetDependencies,
): Promise<StaticBatchOutput> {
  const { assets, options } = parseStaticBatchInput(input);
  const resolved = deps ?? (await readyDependencies());
  const results = await migrateStaticBatch(assets, options, resolved);
  return {
    done: results.filter((r) => r.status === 'done').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    results,
  };
}

async function readyDependencies(): Promise<TargetDependencies> {
  const deps = getDependencies();
  await deps.ready();
  return deps;
}
