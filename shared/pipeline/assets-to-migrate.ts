import { canonicalAccountId } from '../account-id';
import { LedgerKinds } from '../export/export-keys';
import type { AssetRecord, FilterRecord, LocatorRecord } from '../snapshot/records';
import { snapshotReader } from '../snapshot/snapshot-reader';
import type { AssetToMigrate, FilterDefinition, FilterTrackCondition } from '../targets/target';
import type { BatchRef } from './contracts';
import type { PipelineDependencies } from './dependencies';

const PROPERTIES = new Set(['Type', 'Name', 'Language', 'FourCC', 'Bitrate', 'Unknown']);

/** A snapshot filter record as the targets' FilterDefinition. */
export function toFilterDefinition(
  record: FilterRecord,
  scope: 'asset' | 'account',
): FilterDefinition {
  const range = record.presentationTimeRange as
    FilterDefinition['presentationTimeRange'] | undefined;
  return {
    name: record.name,
    scope,
    presentationTimeRange: range,
    firstQualityBitrate: record.firstQuality?.bitrate,
    tracks: (record.tracks ?? []).map((t) =>
      (t.trackSelections ?? []).map((c): FilterTrackCondition => ({
        property: (PROPERTIES.has(c.property ?? '')
          ? c.property
          : 'Unknown') as FilterTrackCondition['property'],
        operation: c.operation === 'NotEqual' ? 'NotEqual' : 'Equal',
        value: c.value ?? '',
      })),
    ),
  };
}

/**
 * Turns a batch of the snapshot's `assets` file into the targets' inputs: each asset with where
 * its files are, its locators (with the secret-store names of their exported content keys), and
 * the definitions of its asset filters and of the account filters its locators use.
 */
export async function loadAssetsToMigrate(
  deps: PipelineDependencies,
  accountId: string,
  batch: BatchRef,
): Promise<AssetToMigrate[]> {
  if (batch.resource !== 'assets')
    throw new Error(`expected an assets batch, got "${batch.resource}"`);
  const account = canonicalAccountId(accountId);
  const reader = snapshotReader(deps.output, batch.snapshotPath);
  const [{ accountFilters, assetFilters, primaryStorage }, byAsset] = await Promise.all([
    reader.small(),
    reader.locatorsByAsset(),
  ]);
  const accountFilterByName = new Map(accountFilters.map((f) => [f.name.toLowerCase(), f]));
  const out: AssetToMigrate[] = [];
  for await (const asset of reader.records<AssetRecord>('assets', {
    offset: batch.offset,
    count: batch.count,
  })) {
    const key = asset.name.toLowerCase();
    const locators: LocatorRecord[] = byAsset.get(key) ?? [];
    const usedAccountFilters = new Map<string, FilterRecord>();
    const migrateLocators = [];
    for (const l of locators) {
      for (const f of l.filters ?? []) {
        const found = accountFilterByName.get(f.toLowerCase());
        if (found) usedAccountFilters.set(found.name, found);
      }
      const keys = await deps.ledger.get(account, { kind: LedgerKinds.contentKeys, name: l.name });
      const secrets = Array.isArray(keys?.details?.keys)
        ? (keys.details.keys as Array<{ secret?: unknown }>)
            .map((k) => k.secret)
            .filter((s): s is string => typeof s === 'string')
        : [];
      migrateLocators.push({
        name: l.name,
        streamingLocatorId: l.streamingLocatorId ?? '',
        streamingPolicyName: l.streamingPolicyName ?? '',
        defaultContentKeyPolicyName: l.defaultContentKeyPolicyName,
        filters: l.filters ?? [],
        contentKeySecrets: secrets,
      });
    }
    const storageKey =
      asset.storageEncryptionFormat === 'MediaStorageClientEncryption'
        ? await deps.ledger.get(account, { kind: LedgerKinds.storageEncryption, name: asset.name })
        : undefined;
    out.push({
      accountId: account,
      storageEncryptionSecret:
        storageKey?.status === 'done' && typeof storageKey.details?.secret === 'string'
          ? storageKey.details.secret
          : undefined,
      assetName: asset.name,
      assetId: asset.assetId,
      storageAccountName: asset.storageAccountName ?? primaryStorage ?? '',
      container: asset.container ?? `asset-${asset.assetId ?? ''}`,
      storageEncryptionFormat: asset.storageEncryptionFormat,
      locators: migrateLocators,
      filters: [
        ...(assetFilters.get(key) ?? []).map((f) => toFilterDefinition(f, 'asset')),
        ...[...usedAccountFilters.values()].map((f) => toFilterDefinition(f, 'account')),
      ],
    });
  }
  return out;
}
