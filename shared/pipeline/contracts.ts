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
  /** The counts in the shape the planner reads (added by the pipeline). */
  resourceCounts?: ResourceCounts;
  /** Blob container the path is in (added by the pipeline). */
  container?: string;
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

// ---------------------------------------------------------------------------------------------
// Activity inputs and outputs added by the pipeline (additive to the above).
// ---------------------------------------------------------------------------------------------

/** discoverAccount's input. */
export interface DiscoverAccountInput {
  accountId: string;
  /** Count every resource type by paging the lists (costs one GET per page); default false. */
  countResources?: boolean;
}

/** takeSnapshot's input. */
export interface TakeSnapshotInput {
  accountId: string;
  /** Only assets, locators and content key policies created after this (a delta snapshot). */
  createdAfter?: string;
  /** List tracks per asset (one GET per asset); default false. */
  includeTracks?: boolean;
  /**
   * Asset filters: `all` lists them for every asset (one GET per asset); `referenced` only for
   * assets whose locators name a filter that is not an account filter. Default `all`.
   */
  assetFilters?: 'all' | 'referenced';
}

/** planBatches' input: cut a snapshot resource file into batches for fan-out. */
export interface PlanBatchesInput {
  snapshot: Pick<SnapshotRef, 'path' | 'counts'>;
  /** Snapshot resource type, e.g. `streamingLocators`, `contentKeyPolicies`, `assets`. */
  resource: string;
  batchSize: number;
}

/** exportKeysBatch's and exportPathsBatch's input. */
export interface ExportBatchInput {
  accountId: string;
  batch: BatchRef;
  /** exportPathsBatch: the account is read-only, so derive paths from GET data and the .ism. */
  derive?: boolean;
}

/** requestExtension's input and output. */
export interface RequestExtensionInput {
  accountId: string;
}

export interface ExtensionResult {
  /** A PATCH was sent by this call (false when the ledger shows it was sent before). */
  sentNow: boolean;
  /** The extension was asked for, now or before. */
  requested: boolean;
  /** The service accepted it (202). */
  accepted: boolean;
  /** The new date is visible in the header. */
  confirmed: boolean;
  /** The service's answer (redacted), e.g. `HTTP 202` or the refusal's code and message. */
  answer?: string;
  retirementDateBefore?: string;
  retirementDate?: string;
}

/** buildUrlMap's input and output. */
export interface BuildUrlMapInput {
  accountId: string;
  snapshot: Pick<SnapshotRef, 'path'>;
  /**
   * Targets whose new URLs to join. Each target's result is read from the ledger row
   * `{ kind: 'asset', name: assetName, target }`, whose `details.urls` holds the `NewUrl[]`.
   */
  targets?: TargetName[];
}

export interface UrlMapRef {
  jsonPath: string;
  csvPath: string;
  /** Old URLs written. */
  rows: number;
  /** Rows with a new URL from a target. */
  mapped: number;
  /** Rows whose path was derived (read-only account) rather than listed by the service. */
  derived: number;
  /** Locators with no path at all (neither listed nor derivable), with the reason. */
  missing: number;
}

/** writeReport's input and output. */
export interface WriteReportInput {
  accountId: string;
  snapshot?: Pick<SnapshotRef, 'path' | 'counts' | 'unreadable' | 'readOnly' | 'takenAt'>;
  plan?: WindowPlan;
  urlMap?: UrlMapRef;
}

export interface ReportRef {
  jsonPath: string;
  htmlPath: string;
}

/** recordAccountState's input: merge into the ledger's account row, and optionally log an event. */
export interface RecordAccountStateInput {
  accountId: string;
  patch: Record<string, string | number | boolean | undefined>;
  /** A line for the report's timeline ("extension requested", "read-only reached"...). */
  event?: string;
}
