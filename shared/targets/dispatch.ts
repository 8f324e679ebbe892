import { canonicalAccountId } from '../account-id';
import { loadAssetsToMigrate } from '../pipeline/assets-to-migrate';
import type {
  BatchRef,
  BatchResult,
  MigrateAssetsBatchInput,
  MigrateContainerInput,
} from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { migrateStaticBatch } from './static/static-target';
import { staticOptionsFor } from './static-options';
import type { AssetMigrationResult, AssetToMigrate, TargetName } from './target';

/**
 * The `migrateAssetsBatch` activity: one batch of a snapshot's assets for one target. It reads the
 * batch from the snapshot, leaves out assets an earlier run finished (their ledger row is done),
 * hands the rest to the target, and counts the outcomes. Each target records its per-asset ledger
 * row `{ kind: 'asset', name, target }` with `details.urls`, which the URL map reads.
 */

export const ASSET_WORK_KIND = 'asset';

type Options = NonNullable<MigrateAssetsBatchInput['options']>;

/** Runs one target over a batch; one result per asset, in order. A target never throws per asset. */
type TargetRunner = (
  assets: AssetToMigrate[],
  options: Options,
  deps: PipelineDependencies,
) => Promise<AssetMigrationResult[]>;

/** The targets this build can migrate to. The others are named in TargetName but not built yet. */
const targets: Partial<Record<TargetName, TargetRunner>> = {
  static: (assets, options, deps) =>
    migrateStaticBatch(assets, staticOptionsFor(options, assets, deps.mediaStorage), deps),
};

const KNOWN_TARGETS: readonly TargetName[] = ['static', 'mkio', 'ravnur', 'bitmovin'];

export function availableTargets(): TargetName[] {
  return KNOWN_TARGETS.filter((t) => targets[t]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the activity's JSON input, naming what is wrong. */
export function parseMigrateAssetsBatchInput(input: unknown): MigrateAssetsBatchInput {
  if (!isObject(input)) throw new Error('migrateAssetsBatch needs an object input');
  const { accountId, target, batch, options } = input;
  if (typeof accountId !== 'string' || !accountId)
    throw new Error('migrateAssetsBatch needs an accountId');
  if (typeof target !== 'string' || !target) throw new Error('migrateAssetsBatch needs a target');
  if (!isObject(batch)) throw new Error('migrateAssetsBatch needs a batch');
  const { snapshotPath, resource, offset, count } = batch;
  if (typeof snapshotPath !== 'string' || !snapshotPath)
    throw new Error('batch.snapshotPath must be a non-empty string');
  if (resource !== 'assets') throw new Error(`batch.resource must be "assets", got "${resource}"`);
  for (const [name, v] of [
    ['offset', offset],
    ['count', count],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new Error(`batch.${name} must be a whole number from 0`);
  }
  if (options !== undefined) {
    if (!isObject(options)) throw new Error('options must be an object');
    for (const [k, v] of Object.entries(options)) {
      if (!['string', 'number', 'boolean'].includes(typeof v))
        throw new Error(`options.${k} must be a string, number or boolean`);
    }
  }
  const ref: BatchRef = {
    snapshotPath,
    resource,
    offset: offset as number,
    count: count as number,
  };
  return {
    accountId: canonicalAccountId(accountId),
    target: target as TargetName,
    batch: ref,
    options: options as Options | undefined,
  };
}

export async function migrateAssetsBatch(
  deps: PipelineDependencies,
  rawInput: unknown,
): Promise<BatchResult> {
  const input = parseMigrateAssetsBatchInput(rawInput);
  await deps.ready();
  const assets = await loadAssetsToMigrate(deps, input.accountId, input.batch);
  return runTarget(deps, 'migrateAssetsBatch', input, assets);
}

/** Validates migrateContainer's JSON input, naming what is wrong. */
export function parseMigrateContainerInput(input: unknown): MigrateContainerInput {
  if (!isObject(input)) throw new Error('migrateContainer needs an object input');
  const { accountId, target, storageAccount, container, options } = input;
  for (const [name, v] of [
    ['accountId', accountId],
    ['target', target],
    ['storageAccount', storageAccount],
    ['container', container],
  ] as const) {
    if (typeof v !== 'string' || !v) throw new Error(`migrateContainer needs a ${name}`);
  }
  if (options !== undefined && !isObject(options)) throw new Error('options must be an object');
  return {
    accountId: canonicalAccountId(accountId as string),
    target: target as TargetName,
    storageAccount: (storageAccount as string).toLowerCase(),
    container: container as string,
    options: options as Options | undefined,
  };
}

/**
 * The `migrateContainer` activity: a storage-only migration of one container of a deleted account.
 * Without the account there are no locators, filters or keys: the container is the asset (its
 * name is the asset name, so the default output path keeps it), and the target packages what the
 * blobs hold. The ledger row is the same `{ kind: 'asset', name: container, target }`, so a second
 * run finds it done and changes nothing.
 */
export async function migrateContainer(
  deps: PipelineDependencies,
  rawInput: unknown,
): Promise<BatchResult> {
  const input = parseMigrateContainerInput(rawInput);
  await deps.ready();
  const asset: AssetToMigrate = {
    accountId: input.accountId,
    assetName: input.container,
    storageAccountName: input.storageAccount,
    container: input.container,
    locators: [],
    filters: [],
  };
  return runTarget(deps, 'migrateContainer', input, [asset]);
}

/**
 * Leaves out assets an earlier run finished (their ledger row is done), hands the rest to the
 * target, and counts the outcomes.
 */
async function runTarget(
  deps: PipelineDependencies,
  activity: string,
  input: { accountId: string; target: TargetName; options?: Options },
  assets: AssetToMigrate[],
): Promise<BatchResult> {
  const key = (a: AssetToMigrate) => ({
    kind: ASSET_WORK_KIND,
    name: a.assetName,
    target: input.target,
  });
  const settled = await Promise.all(
    assets.map(async (a) => (await deps.ledger.get(input.accountId, key(a)))?.status === 'done'),
  );
  const todo = assets.filter((_, i) => !settled[i]);
  const result: BatchResult = {
    done: 0,
    failed: 0,
    skipped: 0,
    alreadyDone: assets.length - todo.length,
    calls: 0,
    waitedMs: 0,
  };
  if (!todo.length) return result;

  const failAll = async (reason: string) => {
    for (const a of todo) await deps.ledger.fail(input.accountId, key(a), new Error(reason));
    deps.log(`${activity} ${input.target}: ${todo.length} assets failed: ${reason}`);
    result.failed = todo.length;
    return result;
  };
  const run = targets[input.target];
  if (!run) {
    const available = availableTargets().join(', ');
    return failAll(
      KNOWN_TARGETS.includes(input.target)
        ? `target ${input.target} is not available in this build (available: ${available})`
        : `unknown target "${input.target}" (available: ${available})`,
    );
  }

  const started = deps.clock.now();
  let results: AssetMigrationResult[];
  try {
    results = await run(todo, input.options ?? {}, deps);
  } catch (error) {
    // Bad options fail the batch's assets with the reason; retrying the activity would not help.
    return failAll(error instanceof Error ? error.message : String(error));
  }
  results.forEach((r, i) => {
    // A target may still find an asset done (another run finished it while this one waited).
    if (r.status === 'skipped' && r.reason === 'already migrated') result.alreadyDone! += 1;
    else result[r.status] += 1;
    if (r.status === 'failed')
      deps.log(`${activity}: ${todo[i]?.assetName} failed: ${r.reason ?? 'no reason'}`);
  });
  deps.log(
    `${activity} ${input.target}: ${result.done} done, ${result.skipped} skipped, ${result.failed} failed, ${result.alreadyDone} already done in ${deps.clock.now() - started} ms`,
  );
  return result;
}
