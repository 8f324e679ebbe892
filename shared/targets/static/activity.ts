import { systemClock } from '../../clock';
import { getConfig } from '../../config';
import { Ledger } from '../../ledger/ledger';
import { createSecretStore } from '../../secrets';
import { tableClient } from '../../storage/clients';
import { azureMediaStorage } from '../../storage/media-storage';
import type { AssetMigrationResult, AssetToMigrate, TargetDependencies } from '../target';
import type { StaticTargetOptionsInput } from './options';
import { migrateStaticBatch } from './static-target';

/**
 * The static target's activity: a batch of assets in, one result per asset out. Inputs stay small
 * (a batch of asset records and the options); per-asset state lives in the ledger, so a replayed
 * or retried activity skips what is done.
 */

export const STATIC_BATCH_ACTIVITY = 'staticMigrateBatch';
export const LEDGER_TABLE = 'lifeboatLedger';

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

let dependencies: (() => Promise<TargetDependencies>) | undefined;

/** Lets the one-machine host supply its own storage, secrets, ledger and (virtual) clock. */
export function setStaticTargetDependencies(factory: () => Promise<TargetDependencies>): void {
  dependencies = factory;
}

async function defaultDependencies(): Promise<TargetDependencies> {
  const config = getConfig();
  const ledger = new Ledger(tableClient(config.storage, LEDGER_TABLE));
  await ledger.ensure();
  return {
    mediaStorage: azureMediaStorage(),
    secrets: createSecretStore(config),
    ledger,
    clock: systemClock,
  };
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
  const resolved = deps ?? (await (dependencies ?? defaultDependencies)());
  const results = await migrateStaticBatch(assets, options, resolved);
  return {
    done: results.filter((r) => r.status === 'done').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    results,
  };
}
