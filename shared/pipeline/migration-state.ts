import { batchLabel, sliceBatches } from './batching';
import type {
  BatchRef,
  BatchResult,
  MigrationFailure,
  MigrationRequest,
  MigrationSummary,
  MigrationTuning,
  SnapshotRef,
  WorkStage,
  WorkTally,
} from './contracts';

/**
 * The state an account's orchestration carries from one generation to the next through
 * `continueAsNew`: the summary everyone reads (status, report, result) plus the work queue. Every
 * function here is pure and deterministic, so the orchestrator may call it during replay.
 */

/** Records `[offset, total)` of one snapshot file still to be handed to a stage's batches. */
export interface WorkSlice {
  stage: WorkStage;
  target?: string;
  snapshotPath: string;
  resource: string;
  offset: number;
  total: number;
  batchSize: number;
  /** Paths stage only: derive from GET data instead of calling listPaths. */
  derive?: boolean;
  /** A second pass over a batch that failed: records it already counted as failed. */
  retryOf?: number;
}

/** One batch of a stage, ready to call. */
export interface WorkBatch {
  stage: WorkStage;
  target?: string;
  batch: BatchRef;
  derive?: boolean;
  /** Set on a second pass: the records of this batch already counted as failed. */
  retryOf?: number;
}

export type ApprovalState = 'not-required' | 'pending' | 'approved' | 'timed-out';

export interface MigrationState extends MigrationSummary {
  generation: number;
  approval: ApprovalState;
  queue: WorkSlice[];
  /** Batches that failed after their retries, for one more pass while the account still answers. */
  retry: WorkBatch[];
  /** When the latest snapshot was taken: incremental snapshots ask for assets created after it. */
  lastSnapshotAt?: string;
  finalSnapshotTaken: boolean;
  deletionWarned: boolean;
  /** Work changed since the URL map and report were last written. */
  dirty: boolean;
  /** Consecutive failed attempts to discover the account. */
  discoverAttempts: number;
  /** The pace the last key batch left: the next one starts no earlier (it may run elsewhere). */
  nextKeyCallAt?: string;
}

/** What the orchestration is started (and continued) with. */
export interface AccountMigrationInput extends MigrationRequest {
  state?: MigrationState;
}

export const SnapshotFiles = {
  assets: 'assets',
  streamingLocators: 'streamingLocators',
  contentKeyPolicies: 'contentKeyPolicies',
} as const;

const MAX_FAILURES = 20;
const MAX_TIMELINE = 60;
const MAX_SNAPSHOTS = 6;
const MAX_RETRY = 500;

export function emptyTally(): WorkTally {
  return { total: 0, done: 0, failed: 0, skipped: 0, calls: 0, waitedMs: 0 };
}

export function initialState(
  request: MigrationRequest,
  instanceId: string,
  now: string,
): MigrationState {
  return {
    accountId: request.accountId,
    instanceId,
    phase: 'discover',
    startedAt: now,
    updatedAt: now,
    snapshots: [],
    extension: { requested: false },
    tallies: {
      keys: emptyTally(),
      secrets: emptyTally(),
      paths: emptyTally(),
      targets: Object.fromEntries(request.targets.map((t) => [t, emptyTally()])),
    },
    failures: [],
    failureCount: 0,
    timeline: [{ at: now, what: 'migration started' }],
    pathsDerived: false,
    generation: 0,
    approval: request.requireApproval ? 'pending' : 'not-required',
    queue: [],
    retry: [],
    finalSnapshotTaken: false,
    deletionWarned: false,
    dirty: true,
    discoverAttempts: 0,
  };
}

export function note(state: MigrationState, at: string, what: string): void {
  state.timeline.push({ at, what });
  if (state.timeline.length > MAX_TIMELINE) {
    // Keep the first entries (how it started) and the most recent ones.
    state.timeline.splice(5, state.timeline.length - MAX_TIMELINE);
  }
  state.updatedAt = at;
}

export function recordFailure(state: MigrationState, failure: MigrationFailure): void {
  state.failures.push(failure);
  if (state.failures.length > MAX_FAILURES) state.failures.shift();
  state.failureCount += 1;
  state.updatedAt = failure.at;
}

export function recordSnapshot(state: MigrationState, snapshot: SnapshotRef): void {
  state.snapshots.push(snapshot);
  // The first snapshot is the baseline the report refers to; keep it and the latest ones.
  if (state.snapshots.length > MAX_SNAPSHOTS) state.snapshots.splice(1, 1);
  state.lastSnapshotAt = snapshot.takenAt;
}

export function tallyFor(state: MigrationState, work: { stage: WorkStage; target?: string }) {
  if (work.stage !== 'targets') return state.tallies[work.stage];
  const name = work.target ?? '-';
  state.tallies.targets[name] ??= emptyTally();
  return state.tallies.targets[name];
}

/**
 * Adds a batch's result. A first pass (which may be an activity re-run after a crash) counts what
 * an earlier run finished as done; a second pass only replaces the failures it retried.
 */
export function addResult(tally: WorkTally, result: BatchResult, retryOf?: number): void {
  tally.done += result.done + (retryOf === undefined ? (result.alreadyDone ?? 0) : 0);
  tally.failed += result.failed - (retryOf ?? 0);
  if (retryOf === undefined) tally.skipped += result.skipped;
  tally.calls += result.calls;
  tally.waitedMs += result.waitedMs;
}

/**
 * Queues the work a snapshot brings, in the order things become unrecoverable: policy secrets and
 * content keys (POSTs, gone at read-only), then streaming paths (derivable later), then targets.
 * A read-only account gets derived paths only; its keys are reported missing.
 */
export function enqueueSnapshotWork(
  state: MigrationState,
  snapshot: SnapshotRef,
  request: MigrationRequest,
  tuning: MigrationTuning,
  options: { readOnly: boolean; targets: boolean },
): void {
  const count = (resource: string) => snapshot.counts[resource] ?? 0;
  const add = (slice: Omit<WorkSlice, 'offset' | 'snapshotPath'>) => {
    if (slice.total <= 0) return;
    state.queue.push({ ...slice, offset: 0, snapshotPath: snapshot.path });
    tallyFor(state, slice).total += slice.total;
    // New work changes what the URL map and the report must say.
    state.dirty = true;
  };
  if (!options.readOnly) {
    add({
      stage: 'secrets',
      resource: SnapshotFiles.contentKeyPolicies,
      total: count(SnapshotFiles.contentKeyPolicies),
      batchSize: tuning.keyBatchSize,
    });
    add({
      stage: 'keys',
      resource: SnapshotFiles.streamingLocators,
      total: count(SnapshotFiles.streamingLocators),
      batchSize: tuning.keyBatchSize,
    });
  }
  add({
    stage: 'paths',
    resource: SnapshotFiles.streamingLocators,
    total: count(SnapshotFiles.streamingLocators),
    batchSize: tuning.pathBatchSize,
    derive: options.readOnly,
  });
  if (options.readOnly) state.pathsDerived = true;
  if (options.targets) {
    for (const target of request.targets) {
      add({
        stage: 'targets',
        target,
        resource: SnapshotFiles.assets,
        total: count(SnapshotFiles.assets),
        batchSize: tuning.assetBatchSize,
      });
    }
  }
}

/** Key and secret batches share the account's one key budget: they run one at a time. */
export function parallelismFor(stage: WorkStage, tuning: MigrationTuning): number {
  return stage === 'keys' || stage === 'secrets' ? 1 : tuning.parallelism;
}

/**
 * Takes the next wave from the head of the queue: up to the stage's parallelism and `limit`
 * batches, all of one stage (a wave never mixes stages, so stage order is kept).
 */
export function takeWave(
  state: MigrationState,
  tuning: MigrationTuning,
  limit: number,
): WorkBatch[] {
  const head = state.queue[0];
  if (!head || limit < 1) return [];
  const size = Math.min(parallelismFor(head.stage, tuning), limit);
  const remaining = head.total - head.offset;
  const batches = sliceBatches(
    head.snapshotPath,
    head.resource,
    Math.min(remaining, size * head.batchSize),
    head.batchSize,
  ).map((batch): WorkBatch => ({
    stage: head.stage,
    target: head.target,
    derive: head.derive,
    retryOf: head.retryOf,
    batch: { ...batch, offset: batch.offset + head.offset },
  }));
  head.offset += batches.reduce((sum, b) => sum + b.batch.count, 0);
  if (head.offset >= head.total) state.queue.shift();
  return batches;
}

export function queueRecords(state: MigrationState, stages?: WorkStage[]): number {
  return state.queue
    .filter((s) => !stages || stages.includes(s.stage))
    .reduce((sum, s) => sum + (s.total - s.offset), 0);
}

/**
 * The account turned read-only: key and secret work left in the queue can no longer be done
 * (counted as failed and reported), and path work switches to derivation.
 */
export function dropPostOnlyWork(state: MigrationState, at: string): number {
  let lost = 0;
  const kept: WorkSlice[] = [];
  for (const slice of state.queue) {
    if (slice.stage === 'keys' || slice.stage === 'secrets') {
      const left = slice.total - slice.offset;
      lost += left;
      // A second-pass slice was already counted as failed.
      if (slice.retryOf === undefined) tallyFor(state, slice).failed += left;
    } else {
      if (slice.stage === 'paths' && !slice.derive) {
        slice.derive = true;
        state.pathsDerived = true;
      }
      kept.push(slice);
    }
  }
  state.queue = kept;
  const retryLost = state.retry.filter((w) => w.stage === 'keys' || w.stage === 'secrets');
  state.retry = state.retry
    .filter((w) => w.stage !== 'keys' && w.stage !== 'secrets')
    .map((w) => (w.stage === 'paths' ? { ...w, derive: true } : w));
  if (lost > 0 || retryLost.length > 0) {
    recordFailure(state, {
      at,
      stage: 'keys',
      where: 'read-only',
      error: `the account turned read-only before ${lost} records and ${retryLost.length} failed batches of key and secret work were exported`,
    });
  }
  return lost;
}

/**
 * Remembers a batch with `failed` records (it threw after its retries, or some of its items
 * failed) for one more pass later; bounded, the ledger keeps every item's state anyway.
 */
export function rememberFailedBatch(state: MigrationState, work: WorkBatch, failed: number): void {
  if (failed > 0 && state.retry.length < MAX_RETRY) state.retry.push({ ...work, retryOf: failed });
}

/** Moves remembered failed batches back to the front of the queue, as one-batch slices. */
export function requeueFailedBatches(state: MigrationState): number {
  const slices: WorkSlice[] = state.retry.map((w) => ({
    stage: w.stage,
    target: w.target,
    derive: w.derive,
    snapshotPath: w.batch.snapshotPath,
    resource: w.batch.resource,
    offset: w.batch.offset,
    total: w.batch.offset + w.batch.count,
    batchSize: w.batch.count,
    retryOf: w.retryOf,
  }));
  state.retry = [];
  const order: WorkStage[] = ['secrets', 'keys', 'paths', 'targets'];
  slices.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage));
  state.queue.unshift(...slices);
  return slices.length;
}

export function describeWork(work: WorkBatch): string {
  return `${work.stage}${work.target ? `:${work.target}` : ''} ${batchLabel(work.batch)}`;
}
