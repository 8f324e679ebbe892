import type { Clock } from '../clock';
import type { Ledger } from '../ledger/ledger';
import type { SecretStore } from '../secrets/secret-store';
import type { MediaStorage } from '../storage/media-storage';

/**
 * The extension point every migration target implements (static repackaging, MK.IO, Ravnur,
 * Bitmovin). The pipeline gives a target one asset at a time, with what the snapshot and the key
 * export know about it; secrets are passed by their secret-store names, never by value.
 */

export type TargetName = 'static' | 'mkio' | 'ravnur' | 'bitmovin';

export interface PresentationTimeRange {
  startTimestamp?: number;
  endTimestamp?: number;
  presentationWindowDuration?: number;
  liveBackoffDuration?: number;
  /** Units per second of the timestamps (AMS default 10,000,000). */
  timescale?: number;
  forceEndTimestamp?: boolean;
}

export interface FilterTrackCondition {
  property: 'Type' | 'Name' | 'Language' | 'FourCC' | 'Bitrate' | 'Unknown';
  operation: 'Equal' | 'NotEqual';
  value: string;
}

/** An asset or account filter, as AMS defines it. */
export interface FilterDefinition {
  name: string;
  scope: 'asset' | 'account';
  presentationTimeRange?: PresentationTimeRange;
  firstQualityBitrate?: number;
  /** Each entry is a track selection: all its conditions must hold. */
  tracks: FilterTrackCondition[][];
}

export interface LocatorToMigrate {
  name: string;
  /** The GUID in the old streaming URLs; kept in new paths where the target allows. */
  streamingLocatorId: string;
  streamingPolicyName: string;
  defaultContentKeyPolicyName?: string;
  /** Filter names the locator applies (asset or account filters). */
  filters: string[];
  /** Secret-store names of the locator's content keys, from the key export. */
  contentKeySecrets: string[];
}

export interface AssetToMigrate {
  accountId: string;
  assetName: string;
  /** The AMS asset id (GUID). */
  assetId?: string;
  storageAccountName: string;
  container: string;
  /** AMS `storageEncryptionFormat`: `MediaStorageClientEncryption` means the blobs are AES-CTR encrypted. */
  storageEncryptionFormat?: string;
  /** Secret-store name of the asset's storage-encryption data (from `getEncryptionKey`). */
  storageEncryptionSecret?: string;
  locators: LocatorToMigrate[];
  /** Definitions of the asset and account filters its locators use. */
  filters: FilterDefinition[];
}

/** One new URL replacing old ones: the URL map joins it with the old URLs by locator, kind and filters. */
export interface NewUrl {
  streamingLocatorId: string;
  kind: 'hls' | 'dash' | 'smooth' | 'download';
  /** Filter names, in order, for filtered manifests. */
  filters?: string[];
  /** The file name, for downloads. */
  file?: string;
  url: string;
}

export interface AssetMigrationResult {
  status: 'done' | 'skipped' | 'failed';
  /** Why it was skipped or failed, readable and free of secrets. */
  reason?: string;
  urls: NewUrl[];
  /** What could not be carried over (a filter the target cannot express, a missing fragment...). */
  warnings: string[];
  /** Small facts for the ledger and the report. */
  details?: Record<string, string | number | boolean>;
}

export interface TargetDependencies {
  mediaStorage: MediaStorage;
  secrets: SecretStore;
  ledger: Ledger;
  clock: Clock;
}

export interface MigrationTarget {
  readonly name: TargetName;
  migrateAsset(asset: AssetToMigrate, deps: TargetDependencies): Promise<AssetMigrationResult>;
}
