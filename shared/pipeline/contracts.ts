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
  migrateContainer: 'migrateContainer',
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
  /** Content-key operations allowed per hour for this account (config `LIFEBOAT_KEY_BUDGET_PER_HOUR`). */
  keyBudgetPerHour?: number;
  /** Batch sizes, parallelism and watch cadence; defaults in shared/pipeline/tuning.ts. */
  tuning?: Partial<MigrationTuning>;
  /**
   * Set for a storage-only run (the account is deleted, one of its containers got new blobs): the
   * orchestration skips everything that needs the account and hands that container to the targets.
   */
  storageOnly?: { storageAccount: string; container: string };
}

/** Knobs of the fan-out and of the watch through the window. */
export interface MigrationTuning {
  /** Records per key/secret batch (one batch runs at a time per account: one key budget). */
  keyBatchSize: number;
  /** Records per path batch and per target batch. */
  pathBatchSize: number;
  assetBatchSize: number;
  /** Batches in flight at once for paths and targets. */
  parallelism: number;
  /** Batches handled per orchestration generation before continueAsNew (bounds history). */
  batchesPerGeneration: number;
  /** How often the watch looks for new assets before read-only, in hours. */
  watchIntervalHours: number;
  /** How long before read-only the final snapshot is taken, in hours. */
  finalSnapshotLeadHours: number;
  /** How long before deletion the warning is raised, in days. */
  deletionWarningLeadDays: number;
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
  /**
   * Items an earlier run of the same batch already finished (an activity re-run after a crash or
   * a retry pass): done, but not by this call.
   */
  alreadyDone?: number;
  /** Service calls made, including retries (for the report and the benchmarks). */
  calls: number;
  /** Time spent waiting for throttle budgets or Retry-After, in ms. */
  waitedMs: number;
  /**
   * Key batches: when the account's next content-key call may start (ISO), for the next batch,
   * which may run in another process with a pacer of its own.
   */
  nextKeyCallAt?: string;
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
  /**
   * exportKeysBatch: no content-key call before this time (ISO): the previous key batch's pace.
   * Key batches of an account run one at a time but not always in the same process, so the pace
   * travels with the work and the account's budget holds across Functions instances.
   */
  notBefore?: string;
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
  /** Delta snapshots taken since (new assets): their locators belong in the same map. */
  deltas?: Array<Pick<SnapshotRef, 'path'>>;
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
  /** The orchestration's account of what happened (phases, tallies, failures, timeline). */
  summary?: MigrationSummary;
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

// ---------------------------------------------------------------------------------------------
// Added by the orchestration (additive): the target batch input and the orchestration's progress.
// ---------------------------------------------------------------------------------------------

/** The input of activities that need only the account. */
export interface AccountActivityInput {
  accountId: string;
}

/** migrateAssetsBatch's input: one batch of a snapshot's assets for one target. */
export interface MigrateAssetsBatchInput {
  accountId: string;
  target: TargetName;
  batch: BatchRef;
  options?: Record<string, string | number | boolean>;
}

/** migrateContainer's input: one storage container, without AMS metadata, for one target. */
export interface MigrateContainerInput {
  accountId: string;
  target: TargetName;
  storageAccount: string;
  container: string;
  options?: Record<string, string | number | boolean>;
}

/* The account orchestration's progress: its custom status, its result and the report's input. */

export type MigrationPhase =
  | 'discover'
  | 'snapshot'
  | 'plan'
  | 'approval'
  | 'extension'
  | 'export'
  | 'targets'
  | 'publish'
  | 'watch'
  | 'done';

/** How the instance ended (set once phase is `done`). */
export type MigrationOutcome =
  | 'completed'
  | 'completed-with-failures'
  | 'account-deleted'
  /** A storage-only run over one container of a deleted account finished (see its tallies). */
  | 'storage-only'
  | 'cancelled'
  /** The account could not be read or snapshotted after repeated attempts. */
  | 'failed';

export type WorkStage = 'keys' | 'secrets' | 'paths' | 'targets';

export interface WorkTally {
  /** Records the batches covered (clear locators included: the activity skips them). */
  total: number;
  done: number;
  failed: number;
  skipped: number;
  calls: number;
  waitedMs: number;
}

export interface MigrationEvent {
  at: string;
  what: string;
}

export interface MigrationFailure {
  at: string;
  stage: WorkStage | 'discover' | 'snapshot' | 'extension' | 'urlMap' | 'report';
  /** The batch label, or the activity. */
  where: string;
  /** Redacted, one line. */
  error: string;
}

export interface ExtensionRecord {
  requested: boolean;
  requestedAt?: string;
  granted?: boolean;
  answer?: string;
}

export interface MigrationSummary {
  accountId: string;
  instanceId: string;
  phase: MigrationPhase;
  outcome?: MigrationOutcome;
  startedAt: string;
  updatedAt: string;
  account?: AccountState;
  plan?: WindowPlan;
  /** The first snapshot and the latest ones (bounded). */
  snapshots: SnapshotRef[];
  extension: ExtensionRecord;
  tallies: {
    keys: WorkTally;
    secrets: WorkTally;
    paths: WorkTally;
    targets: Record<string, WorkTally>;
  };
  /** The most recent failures (bounded); the ledger holds every one. */
  failures: MigrationFailure[];
  failureCount: number;
  /** What happened when (bounded). */
  timeline: MigrationEvent[];
  /** Paths derived from GET data (read-only account) rather than listed by the service. */
  pathsDerived: boolean;
  urlMap?: UrlMapRef;
  report?: ReportRef;
  nextWakeUpAt?: string;
}
