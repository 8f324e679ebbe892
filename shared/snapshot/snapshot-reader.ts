import type { ContainerClient } from '@azure/storage-blob';
import { readManifest, snapshotBlob, type SnapshotManifest, type SnapshotType } from './manifest';
import { readNdjson } from './ndjson-reader';
import {
  requireName,
  storageAccountName,
  type AccountRecord,
  type AssetRecord,
  type EndpointRecord,
  type FilterRecord,
  type LocatorRecord,
} from './records';
import { sectionsOf, type PolicySection } from './streaming-policy';

/** Where an asset's files are. */
export interface AssetPlace {
  name: string;
  assetId?: string;
  storageAccountName?: string;
  container: string;
  storageEncryptionFormat?: string;
}

/**
 * Reads a snapshot back: slices of a resource file by record position, and small lookups built
 * once per snapshot (assets by name, asset filter names, policies, endpoints). The asset lookup
 * holds a few fields per asset (tens of MB for 200,000 assets); resource files are streamed.
 */
export class SnapshotReader {
  private manifestOnce?: Promise<SnapshotManifest>;
  private assetsOnce?: Promise<Map<string, AssetPlace>>;
  private smallOnce?: Promise<SmallLookups>;
  private locatorsOnce?: Promise<Map<string, LocatorRecord[]>>;

  constructor(
    readonly container: ContainerClient,
    readonly path: string,
  ) {}

  manifest(): Promise<SnapshotManifest> {
    this.manifestOnce ??= forgetOnFailure(readManifest(this.container, this.path), () => {
      this.manifestOnce = undefined;
    });
    return this.manifestOnce;
  }

  async *records<T extends { name: string }>(
    type: SnapshotType,
    range: { offset?: number; count?: number } = {},
  ): AsyncIterable<T> {
    const file = (await this.manifest()).files[type];
    if (!file || file.count === 0) return;
    const blob = this.container.getBlobClient(snapshotBlob(this.path, file.blob));
    for await (const record of readNdjson<unknown>(blob, { ...range, index: file.index })) {
      yield requireName<T>(record, type);
    }
  }

  async all<T extends { name: string }>(type: SnapshotType): Promise<T[]> {
    const out: T[] = [];
    for await (const r of this.records<T>(type)) out.push(r);
    return out;
  }

  /** Asset name (lower-case) to where its files are. */
  assets(): Promise<Map<string, AssetPlace>> {
    this.assetsOnce ??= forgetOnFailure(
      (async () => {
        const { primaryStorage } = await this.small();
        const map = new Map<string, AssetPlace>();
        for await (const a of this.records<AssetRecord>('assets')) {
          map.set(a.name.toLowerCase(), {
            name: a.name,
            assetId: a.assetId,
            storageAccountName: a.storageAccountName ?? primaryStorage,
            container: a.container ?? `asset-${a.assetId ?? ''}`,
            storageEncryptionFormat: a.storageEncryptionFormat,
          });
        }
        return map;
      })(),
      () => (this.assetsOnce = undefined),
    );
    return this.assetsOnce;
  }

  /**
   * Locators by lower-case asset name (a few fields each), for turning asset batches into
   * migration inputs without scanning the locator file per batch.
   */
  locatorsByAsset(): Promise<Map<string, LocatorRecord[]>> {
    this.locatorsOnce ??= forgetOnFailure(
      (async () => {
        const map = new Map<string, LocatorRecord[]>();
        for await (const l of this.records<LocatorRecord>('streamingLocators')) {
          const key = (l.assetName ?? '').toLowerCase();
          const list = map.get(key) ?? [];
          list.push({
            name: l.name,
            assetName: l.assetName,
            streamingLocatorId: l.streamingLocatorId,
            streamingPolicyName: l.streamingPolicyName,
            defaultContentKeyPolicyName: l.defaultContentKeyPolicyName,
            filters: l.filters,
          });
          map.set(key, list);
        }
        return map;
      })(),
      () => (this.locatorsOnce = undefined),
    );
    return this.locatorsOnce;
  }

  small(): Promise<SmallLookups> {
    this.smallOnce ??= forgetOnFailure(
      (async () => {
        const [account] = await this.all<AccountRecord>('account');
        const primary =
          account?.storageAccounts?.find((s) => s.type === 'Primary') ??
          account?.storageAccounts?.[0];
        const policies = new Map<string, PolicySection[]>();
        for await (const p of this.records<{ name: string }>('streamingPolicies'))
          policies.set(p.name.toLowerCase(), sectionsOf(p));
        const assetFilters = new Map<string, FilterRecord[]>();
        for await (const f of this.records<FilterRecord>('assetFilters')) {
          const key = (f.assetName ?? '').toLowerCase();
          const list = assetFilters.get(key) ?? [];
          list.push(f);
          assetFilters.set(key, list);
        }
        return {
          account,
          primaryStorage: storageAccountName(primary?.id),
          policies,
          accountFilters: await this.all<FilterRecord>('accountFilters'),
          assetFilters,
          endpoints: await this.all<EndpointRecord>('streamingEndpoints'),
        };
      })(),
      () => (this.smallOnce = undefined),
    );
    return this.smallOnce;
  }
}

export interface SmallLookups {
  account?: AccountRecord;
  primaryStorage?: string;
  /** Listed streaming policies by lower-case name. */
  policies: Map<string, PolicySection[]>;
  accountFilters: FilterRecord[];
  /** Asset filters by lower-case asset name. */
  assetFilters: Map<string, FilterRecord[]>;
  endpoints: EndpointRecord[];
}

/** A transient failure must not stay cached: the next batch tries again. */
function forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}

const cache = new Map<string, SnapshotReader>();

/** A reader per snapshot, kept for the process (the last few), so batches share the lookups. */
export function snapshotReader(container: ContainerClient, path: string): SnapshotReader {
  const key = `${container.url}|${path}`;
  let reader = cache.get(key);
  if (!reader) {
    reader = new SnapshotReader(container, path);
    cache.set(key, reader);
    while (cache.size > 3) cache.delete(cache.keys().next().value as string);
  }
  return reader;
}

export type { LocatorRecord, AssetRecord };
