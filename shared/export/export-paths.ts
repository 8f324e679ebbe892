import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { canonicalAccountId, parseAccountId, type AccountRef } from '../account-id';
import { withCallStats } from '../ams/call-stats';
import { isNotFound, statusOf } from '../ams/errors';
import type { WorkKey } from '../ledger/ledger';
import type { BatchResult, ExportBatchInput } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { forEachLimited } from '../snapshot/pool';
import type { LocatorRecord } from '../snapshot/records';
import { snapshotReader, type SnapshotReader } from '../snapshot/snapshot-reader';
import { sectionsByName } from '../snapshot/streaming-policy';
import { describeError } from '../telemetry/redact';
import { LedgerKinds } from './export-keys';
import { derivePaths, readAssetFiles, type AssetFiles, type LocatorPaths } from './paths';

const PATH_CONCURRENCY = 8;
/** Answers that mean the account no longer takes POSTs (read-only): derive instead. */
const REFUSED = new Set([400, 403, 405, 409]);

/**
 * Exports the streaming and download paths of a batch of locators: `listPaths` while the account
 * takes POSTs; derived from the snapshot (locator, policy, asset) and the asset's `.ism` files in
 * storage when it is read-only (`derive`, or when listPaths is refused), marked `derived`. One
 * ledger row per locator holds the paths, so a re-run skips finished locators and the URL map
 * reads them from there.
 */
export async function exportPathsBatch(
  deps: PipelineDependencies,
  input: ExportBatchInput,
): Promise<BatchResult> {
  await deps.ready();
  if (input.batch.resource !== 'streamingLocators')
    throw new Error(
      `exportPathsBatch: expected a streamingLocators batch, got "${input.batch.resource}"`,
    );
  const accountId = canonicalAccountId(input.accountId);
  const ref = parseAccountId(accountId);
  const client = deps.ams.forSubscription(ref.subscriptionId);
  const reader = snapshotReader(deps.output, input.batch.snapshotPath);
  const tally = { done: 0, failed: 0, skipped: 0, alreadyDone: 0 };
  const files = new Map<string, Promise<AssetFiles>>();

  const { stats } = await withCallStats(async () => {
    const locators: LocatorRecord[] = [];
    for await (const l of reader.records<LocatorRecord>('streamingLocators', {
      offset: input.batch.offset,
      count: input.batch.count,
    }))
      locators.push(l);
    await forEachLimited(locators, PATH_CONCURRENCY, async (locator) => {
      const key: WorkKey = { kind: LedgerKinds.paths, name: locator.name };
      const previous = await deps.ledger.get(accountId, key);
      // Listed paths are final; derived ones are redone only while listing is still possible.
      if (previous?.status === 'done' && (input.derive || previous.details?.derived !== true)) {
        tally.alreadyDone += 1;
        return;
      }
      try {
        let paths: LocatorPaths | undefined;
        let note: string | undefined;
        if (!input.derive) {
          try {
            paths = await listPaths(client, ref, locator.name);
          } catch (error) {
            const status = statusOf(error);
            if (status === undefined || !REFUSED.has(status)) throw error;
            note = `listPaths refused (${describeError(error, 200)}): derived`;
          }
        }
        paths ??= await derive(deps, reader, locator, files);
        await deps.ledger.complete(accountId, key, {
          ...paths,
          streamingLocatorId: locator.streamingLocatorId,
          assetName: locator.assetName,
          ...(note ? { note } : {}),
        });
        tally.done += 1;
      } catch (error) {
        if (isNotFound(error)) {
          await deps.ledger.skip(accountId, key, 'the locator no longer exists (404)');
          tally.skipped += 1;
          return;
        }
        await deps.ledger.fail(accountId, key, error);
        tally.failed += 1;
      }
    });
  });
  return { ...tally, calls: stats.requests, waitedMs: stats.waitedMs };
}

async function listPaths(
  client: AzureMediaServices,
  ref: AccountRef,
  locator: string,
): Promise<LocatorPaths> {
  const answer = await client.streamingLocators.listPaths(
    ref.resourceGroup,
    ref.accountName,
    locator,
  );
  return {
    streamingPaths: (answer.streamingPaths ?? []).map((p) => ({
      streamingProtocol:
        p.streamingProtocol as LocatorPaths['streamingPaths'][number]['streamingProtocol'],
      encryptionScheme: p.encryptionScheme,
      paths: p.paths ?? [],
    })),
    downloadPaths: answer.downloadPaths ?? [],
    derived: false,
  };
}

/** Paths from GET data and the asset's files; throws with a readable reason when it cannot. */
async function derive(
  deps: PipelineDependencies,
  reader: SnapshotReader,
  locator: LocatorRecord,
  cache: Map<string, Promise<AssetFiles>>,
): Promise<LocatorPaths> {
  if (!locator.streamingLocatorId)
    throw new Error('the locator has no streamingLocatorId in the snapshot');
  const { policies } = await reader.small();
  const sections = sectionsByName(locator.streamingPolicyName, policies);
  if (!sections)
    throw new Error(
      `unknown streaming policy "${locator.streamingPolicyName ?? ''}": cannot derive paths`,
    );
  const asset = (await reader.assets()).get((locator.assetName ?? '').toLowerCase());
  if (!asset)
    throw new Error(
      `asset "${locator.assetName ?? ''}" is not in the snapshot: cannot derive paths`,
    );
  if (!asset.storageAccountName)
    throw new Error(`asset "${asset.name}" has no storage account: cannot derive paths`);
  const storage = asset.storageAccountName;
  const key = `${storage}/${asset.container}`.toLowerCase();
  let pending = cache.get(key);
  if (!pending) {
    pending = readAssetFiles(deps.mediaStorage.container(storage, asset.container));
    cache.set(key, pending);
  }
  const files = await pending;
  if (files.missing)
    throw new Error(
      `container ${asset.container} of asset "${asset.name}" does not exist: cannot derive paths`,
    );
  return derivePaths({
    streamingLocatorId: locator.streamingLocatorId,
    sections,
    manifests: files.manifests,
    files: files.files,
  });
}
