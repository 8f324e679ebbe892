import type { ExtensionPolicy } from '../config';
import type { TargetName } from '../targets/target';

/**
 * The contract between the account orchestration (orchestrators/) and its activities (functions/
 * registrations over shared/ domain code): activity names and their JSON inputs and outputs. Inputs
 * and outputs stay small; large data (resource lists, snapshots, URL maps) lives in blobs and is
 * passed by reference. Times are ISO-8601 strings (they cross a JSON boundary).
 */

export const ActivityNames = {
  discoverAccount: 'discoverAccount',
  takeSnapshot: 'takeSnapshot',
  requestExtension: 'requestExtension',
  planBatches: 'planBatches',
  exportKeysBatch: 'exportKeysBatch',
  exportPathsBatch: 'exportPathsBatch',
  migrateAssetsBatch: 'migrateAssetsBatch',
  buildUrlMap: 'buildUrlMap',
  writeReport: 'writeReport',
  recordAccountState: 'recordAccountState',
} as const;

export const OrchestrationNames = {
  accountMigration: 'accountMigration',
} as const;

/** External events the account orchestration waits for. */
export const EventNames = {
  cancel: 'cancel',
  approve: 'approve',
  assetsAdded: 'assetsAdded',
} as const;

/** What starts (or continues) an account's orchestration. */
export interface MigrationRequest {
  /** The account's ARM id. */
  accountId: string;
  targets: TargetName[];
  extensionPolicy: ExtensionPolicy;
  requireApproval?: boolean;
  /** Options per target (output path template, encryption...), JSON. */
  targetOptions?: Record<string, Record<string, string | number | boolean>>;
}

export interface ResourceCounts {
  assets: number;
  streamingLocators: number;
  /** Locators whose streaming policy encrypts (their content keys must be exported). */
  encryptedLocators: number;
  contentKeyPolicies: number;
  streamingPolicies: number;
  assetFilters: number;
  accountFilters: number;
  streamingEndpoints: number;
  liveEvents: number;
  transforms: number;
  jobs: number;
}

/** discoverAccount's output: the account as the service shows it now. */
export interface AccountState {
  accountId: string;
  /** false when the account answers 404 (deleted). */
  exists: boolean;
  /** From the `ams-retirement-date` response header. */
  retirementDate?: string;
  readOnly: boolean;
  extensionGranted?: boolean;
  storageAccounts: string[];
  counts?: ResourceCounts;
  observedAt: string;
}

/** takeSnapshot's output: an immutable snapshot folder in blob storage. */
export interface SnapshotRef {
  /** Blob prefix `snapshots/{subscription}/{resourceGroup}/{account}/{takenAt}/`. */
  path: string;
  takenAt: string;
  counts: Record<string, number>;
  /** Resource types that could not be read, with the reason. */
  unreadable: Array<{ type: string; reason: string }>;
  /** Taken with GETs only because the account was read-only. */
  readOnly: boolean;
}

/** A slice of one snapshot resource file, by position, for fan-out in batches. */
export interface BatchRef {
  snapshotPath: string;
  /** Snapshot file (resource type), e.g. `streamingLocators`. */
  resource: string;
  /** 0-based index of the first record, and the number of records. */
  offset: number;
  count: number;
}

export interface BatchResult {
  done: number;
  failed: number;
  skipped: number;
  /** Service calls made, including retries (for the report and the benchmarks). */
  calls: number;
  /** Time spent waiting for throttle budgets or Retry-After, in ms. */
  waitedMs: number;
}

/** The plan the orchestration follows; see shared/planner. */
export interface WindowPlan {
  readOnlyAt?: string;
  deletionAt?: string;
  /** Last moment the extension can be asked for. */
  extensionCutoffAt?: string;
  /** Estimated duration of the key, secret and path export. */
  exportDurationMs: number;
  requestExtension: boolean;
  reason: string;
}
