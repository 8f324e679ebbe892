import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { buildCustomStatus } from '../shared/pipeline/custom-status';
import {
  ActivityNames,
  EventNames,
  type AccountActivityInput,
  type AccountState,
  type BatchResult,
  type BuildUrlMapInput,
  type ExportBatchInput,
  type ExtensionResult,
  type MigrateAssetsBatchInput,
  type MigrateContainerInput,
  type MigrationFailure,
  type MigrationSummary,
  type RecordAccountStateInput,
  type ReportRef,
  type TakeSnapshotInput,
  type SnapshotRef,
  type UrlMapRef,
  type WriteReportInput,
} from '../shared/pipeline/contracts';
import {
  addResult,
  describeWork,
  dropPostOnlyWork,
  enqueueSnapshotWork,
  initialState,
  note,
  queueRecords,
  recordFailure,
  recordSnapshot,
  rememberFailedBatch,
  requeueFailedBatches,
  takeWave,
  tallyFor,
  type AccountMigrationInput,
  type MigrationState,
  type WorkBatch,
  SnapshotFiles,
} from '../shared/pipeline/migration-state';
import { resolveTuning } from '../shared/pipeline/tuning';
import type { WindowPlanner } from '../shared/pipeline/window-planner';

/**
 * One durable instance per Media Services account (id from shared/pipeline/instance-id.ts). It
 * secures what the retirement takes away, in the order it is lost: discover, snapshot, plan, the
 * extension when the work does not fit, content keys and policy secrets, streaming paths, then the
 * targets; then it sleeps on durable timers through the window, picking up new assets, taking a
 * final snapshot shortly before read-only and warning before deletion.
 *
 * Each generation handles a bounded amount of work and then continues as new with its state in the
 * input, so history stays bounded however large the account. Fan-out is by batches of snapshot
 * records, never by single assets. Failures are recorded (status, report, ledger) and retried once
 * more later; they do not fail the instance.
 */

const HOUR = 3_600_000;

type SnapshotKind = 'initial' | 'incremental' | 'final';
const DISCOVER_RETRY_DELAY = HOUR;
const MAX_DISCOVER_ATTEMPTS = 5;

/** Transient failures (storage, network) are retried; throttling is paced inside the activities. */
function retryOptions(): df.RetryOptions {
  const options = new df.RetryOptions(5_000, 4);
  options.backoffCoefficient = 3;
  options.maxRetryIntervalInMilliseconds = 5 * 60_000;
  return options;
}

function errorLine(error: unknown): string {
  // Activity errors reach us as TaskFailedError whose message the activity already redacted.
  const text = error instanceof Error ? error.message : String(error);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function laterThan(a: string | undefined, now: Date): boolean {
  return a !== undefined && Date.parse(a) > now.getTime();
}

export interface AccountMigrationDependencies {
  planWindow: WindowPlanner;
}

export function createAccountMigration(deps: AccountMigrationDependencies): OrchestrationHandler {
  return function* accountMigration(
    context: OrchestrationContext,
  ): Generator<Task, unknown, unknown> {
    const input = context.df.getInput<AccountMigrationInput>();
    if (!input || typeof input.accountId !== 'string' || !Array.isArray(input.targets)) {
      throw new Error('accountMigration needs an input with accountId and targets');
    }
    const { state: carried, ...request } = input;
    const tuning = resolveTuning(request.tuning);
    const now = () => context.df.currentUtcDateTime;
    const iso = () => now().toISOString();
    const state: MigrationState = carried ?? initialState(request, context.df.instanceId, iso());
    state.generation += 1;
    const accountInput: AccountActivityInput = { accountId: request.accountId };
    const retry = retryOptions();
    let batchesLeft = tuning.batchesPerGeneration;
    let lastRecordedEvent: MigrationSummary['timeline'][number] | undefined;

    const fail = (stage: MigrationFailure['stage'], where: string, error: unknown) =>
      recordFailure(state, { at: iso(), stage, where, error: errorLine(error) });

    const publishStatus = () => {
      state.updatedAt = iso();
      context.df.setCustomStatus(buildCustomStatus(state));
    };

    function* call<T>(name: string, payload: unknown): Generator<Task, T, unknown> {
      return (yield context.df.callActivityWithRetry(name, retry, payload)) as T;
    }

    function* recordLedger(): Generator<Task, void, unknown> {
      // A storage-only run leaves the account's row (phase, outcome, instance) to the account's
      // own instance; it only adds its lines to the account's event log.
      const patch: RecordAccountStateInput['patch'] = request.storageOnly
        ? {}
        : {
            phase: state.phase,
            instanceId: state.instanceId,
            failureCount: state.failureCount,
            keysDone: state.tallies.keys.done,
            secretsDone: state.tallies.secrets.done,
            pathsDone: state.tallies.paths.done,
          };
      if (state.outcome && !request.storageOnly) patch.outcome = state.outcome;
      if (state.plan?.readOnlyAt) patch.readOnlyAt = state.plan.readOnlyAt;
      if (state.plan?.deletionAt) patch.deletionAt = state.plan.deletionAt;
      if (state.account?.retirementDate) patch.retirementDate = state.account.retirementDate;
      if (state.nextWakeUpAt) patch.nextWakeUpAt = state.nextWakeUpAt;
      // The latest timeline line goes to the ledger's event log too (the report reads it there).
      const event = state.timeline.at(-1);
      try {
        yield* call<void>(ActivityNames.recordAccountState, {
          accountId: request.accountId,
          patch,
          event: event && event !== lastRecordedEvent ? event.what : undefined,
        } satisfies RecordAccountStateInput);
        lastRecordedEvent = event;
      } catch (error) {
        // The ledger row is a convenience for queries; the instance state is the truth.
        fail('report', ActivityNames.recordAccountState, error);
      }
    }

    function* discover(): Generator<Task, AccountState | undefined, unknown> {
      try {
        const account = yield* call<AccountState>(ActivityNames.discoverAccount, accountInput);
        state.account = account;
        state.discoverAttempts = 0;
        return account;
      } catch (error) {
        state.discoverAttempts += 1;
        fail('discover', ActivityNames.discoverAccount, error);
        return undefined;
      }
    }

    function* snapshot(kind: SnapshotKind): Generator<Task, SnapshotRef | undefined, unknown> {
      const readOnly = state.account?.readOnly ?? false;
      try {
        const ref = yield* call<SnapshotRef>(ActivityNames.takeSnapshot, {
          accountId: request.accountId,
          createdAfter: kind === 'initial' ? undefined : state.lastSnapshotAt,
        } satisfies TakeSnapshotInput);
        const found = ref.counts[SnapshotFiles.assets] ?? 0;
        // An empty delta is not worth a snapshot entry (nor a line in the timeline).
        if (kind === 'incremental' && found === 0) return ref;
        recordSnapshot(state, ref);
        const unread = ref.unreadable.length ? `, ${ref.unreadable.length} types unreadable` : '';
        const what = kind === 'initial' ? '' : `: ${found} assets created since the last one`;
        note(
          state,
          iso(),
          `${kind} snapshot taken${readOnly ? ' with GETs only' : ''}${what}${unread}`,
        );
        return ref;
      } catch (error) {
        fail('snapshot', kind, error);
        return undefined;
      }
    }

    function plan(): void {
      if (!state.account) return;
      state.plan = deps.planWindow({
        now: iso(),
        account: state.account,
        counts: state.snapshots[0]?.resourceCounts ?? state.account.counts,
        policy: request.extensionPolicy,
        keyBudgetPerHour: request.keyBudgetPerHour ?? 1200,
        extensionRequested: state.extension.requested,
        done: {
          keyCalls: state.tallies.keys.done + state.tallies.secrets.done,
          pathCalls: state.tallies.paths.done,
        },
      });
    }

    /** Waits for `approve` (or `cancel`) until the extension cut-off, or read-only. */
    function* awaitApproval(): Generator<Task, 'approved' | 'cancelled' | 'timed-out', unknown> {
      const deadline = state.plan?.extensionCutoffAt ?? state.plan?.readOnlyAt;
      const approve = context.df.waitForExternalEvent(EventNames.approve);
      const cancel = context.df.waitForExternalEvent(EventNames.cancel);
      const waits: Task[] = [approve, cancel];
      const timer = laterThan(deadline, now())
        ? context.df.createTimer(new Date(deadline!))
        : undefined;
      if (timer) waits.push(timer);
      state.nextWakeUpAt = deadline;
      publishStatus();
      const winner = yield context.df.Task.any(waits);
      if (timer && winner !== timer) timer.cancel();
      state.nextWakeUpAt = undefined;
      if (winner === approve) return 'approved';
      if (winner === cancel) return 'cancelled';
      return 'timed-out';
    }

    function activityFor(work: WorkBatch): string {
      switch (work.stage) {
        case 'keys':
        case 'secrets':
          return ActivityNames.exportKeysBatch;
        case 'paths':
          return ActivityNames.exportPathsBatch;
        case 'targets':
          return ActivityNames.migrateAssetsBatch;
      }
    }

    function batchInput(work: WorkBatch): unknown {
      if (work.stage === 'paths') {
        return {
          accountId: request.accountId,
          batch: work.batch,
          derive: work.derive ?? false,
        } satisfies ExportBatchInput;
      }
      if (work.stage === 'targets') {
        return {
          accountId: request.accountId,
          target: (work.target ?? '') as MigrateAssetsBatchInput['target'],
          batch: work.batch,
          options: request.targetOptions?.[work.target ?? ''],
        } satisfies MigrateAssetsBatchInput;
      }
      return {
        accountId: request.accountId,
        batch: work.batch,
        notBefore: state.nextKeyCallAt,
      } satisfies ExportBatchInput;
    }

    function failedResult(work: WorkBatch): BatchResult {
      return { done: 0, failed: work.batch.count, skipped: 0, calls: 0, waitedMs: 0 };
    }

    /**
     * Runs the queue wave by wave until it is empty or this generation's batch allowance is used.
     * Returns 'cancelled' when a cancel event arrives between waves.
     */
    function* drainQueue(): Generator<Task, 'drained' | 'paused' | 'cancelled', unknown> {
      while (state.queue.length > 0) {
        if (batchesLeft <= 0) return 'paused';
        if (yield* passedReadOnly()) continue;
        const wave = takeWave(state, tuning, batchesLeft);
        batchesLeft -= wave.length;
        const tasks = wave.map((work) =>
          context.df.callActivityWithRetry(activityFor(work), retry, batchInput(work)),
        );
        const all = context.df.Task.all(tasks);
        const cancel = context.df.waitForExternalEvent(EventNames.cancel);
        let winner: unknown;
        try {
          winner = yield context.df.Task.any([all, cancel]);
        } catch {
          winner = all;
        }
        if (winner === cancel) return 'cancelled';
        // Task.all fails on the first failed batch; the others may still run. Wait for each
        // batch on its own, so every result is counted and every failure recorded.
        for (let i = 0; i < wave.length; i++) {
          const work = wave[i]!;
          const task = tasks[i]!;
          try {
            const result = (task.isCompleted ? task.result : yield task) as BatchResult;
            if (task.isFaulted) throw task.result;
            addResult(tallyFor(state, work), result, work.retryOf);
            if (result.nextKeyCallAt) state.nextKeyCallAt = result.nextKeyCallAt;
            rememberFailedBatch(state, work, result.failed);
          } catch (error) {
            addResult(tallyFor(state, work), failedResult(work), work.retryOf);
            rememberFailedBatch(state, work, work.batch.count);
            fail(work.stage, describeWork(work), error);
          }
        }
        state.dirty = true;
        publishStatus();
      }
      return 'drained';
    }

    /**
     * Past the read-only time the service refuses POSTs: confirm, then drop key work that can no
     * longer be done and switch path work to derivation. Returns true when the queue changed.
     */
    function* passedReadOnly(): Generator<Task, boolean, unknown> {
      const head = state.queue[0];
      const readOnlyAt = state.plan?.readOnlyAt;
      if (!head || state.account?.readOnly || !readOnlyAt) return false;
      if (
        head.stage !== 'keys' &&
        head.stage !== 'secrets' &&
        !(head.stage === 'paths' && !head.derive)
      ) {
        return false;
      }
      if (laterThan(readOnlyAt, now())) return false;
      const account = yield* discover();
      if (!account?.readOnly) {
        // The date moved (extension granted late) or the service is slow to switch: re-plan.
        if (account) plan();
        return false;
      }
      const lost = dropPostOnlyWork(state, iso());
      note(
        state,
        iso(),
        `account turned read-only; ${lost} key and secret records were not exported`,
      );
      return true;
    }

    /** Writes the report, and rebuilds the URL map first when the work changed since. */
    function* publish(): Generator<Task, void, unknown> {
      if (state.snapshots.length > 0 && (state.dirty || !state.urlMap)) {
        try {
          const [base, ...deltas] = state.snapshots;
          state.urlMap = yield* call<UrlMapRef>(ActivityNames.buildUrlMap, {
            accountId: request.accountId,
            snapshot: { path: base!.path },
            deltas: deltas.map((d) => ({ path: d.path })),
            targets: request.targets,
          } satisfies BuildUrlMapInput);
        } catch (error) {
          fail('urlMap', ActivityNames.buildUrlMap, error);
        }
      }
      try {
        const base = state.snapshots[0];
        state.report = yield* call<ReportRef>(ActivityNames.writeReport, {
          accountId: request.accountId,
          snapshot: base && {
            path: base.path,
            counts: base.counts,
            unreadable: base.unreadable,
            readOnly: base.readOnly,
            takenAt: base.takenAt,
          },
          plan: state.plan,
          urlMap: state.urlMap,
          summary: summary(),
        } satisfies WriteReportInput);
      } catch (error) {
        fail('report', ActivityNames.writeReport, error);
      }
      state.dirty = false;
    }

    function summary(): MigrationSummary {
      const {
        generation: _g,
        approval: _a,
        queue: _q,
        retry: _r,
        lastSnapshotAt: _l,
        finalSnapshotTaken: _f,
        deletionWarned: _d,
        dirty: _y,
        discoverAttempts: _t,
        nextKeyCallAt: _k,
        ...rest
      } = state;
      return rest;
    }

    /** Completed, unless work is left failed (failures later retried successfully do not count). */
    function completedOutcome(): 'completed' | 'completed-with-failures' {
      const { keys, secrets, paths, targets } = state.tallies;
      const failed = [keys, secrets, paths, ...Object.values(targets)].some((t) => t.failed > 0);
      return failed || state.retry.length > 0 ? 'completed-with-failures' : 'completed';
    }

    function* finish(outcome: NonNullable<MigrationSummary['outcome']>, why: string) {
      state.phase = 'done';
      state.outcome = outcome;
      state.nextWakeUpAt = undefined;
      note(state, iso(), why);
      yield* publish();
      yield* recordLedger();
      publishStatus();
      return summary();
    }

    function continueWith(): undefined {
      publishStatus();
      context.df.continueAsNew({ ...request, state } satisfies AccountMigrationInput);
      return undefined;
    }

    /** The next moment the watch must wake up, and why. */
    function nextWake():
      { at: string; why: 'tick' | 'final-snapshot' | 'deletion-warning' | 'deletion' } | undefined {
      const p = state.plan;
      const t = now().getTime();
      const candidates: Array<{
        at: number;
        why: 'tick' | 'final-snapshot' | 'deletion-warning' | 'deletion';
      }> = [];
      const readOnlyAt = p?.readOnlyAt ? Date.parse(p.readOnlyAt) : undefined;
      const deletionAt = p?.deletionAt ? Date.parse(p.deletionAt) : undefined;
      const readOnly = state.account?.readOnly || (readOnlyAt !== undefined && t >= readOnlyAt);
      if (!readOnly) {
        candidates.push({ at: t + tuning.watchIntervalHours * HOUR, why: 'tick' });
        if (readOnlyAt !== undefined && !state.finalSnapshotTaken) {
          candidates.push({
            at: readOnlyAt - tuning.finalSnapshotLeadHours * HOUR,
            why: 'final-snapshot',
          });
        }
      }
      if (deletionAt !== undefined) {
        if (!state.deletionWarned) {
          candidates.push({
            at: deletionAt - tuning.deletionWarningLeadDays * 24 * HOUR,
            why: 'deletion-warning',
          });
        }
        // An hour after the deletion date, confirm it and finish; if the account is still there
        // (the service deletes late), look again after a watch interval.
        const confirmAt = deletionAt + HOUR;
        candidates.push({
          at: t < confirmAt ? confirmAt : t + tuning.watchIntervalHours * HOUR,
          why: 'deletion',
        });
      }
      if (candidates.length === 0) return undefined;
      const next = candidates.reduce((a, b) => (b.at < a.at ? b : a));
      return { at: new Date(Math.max(next.at, t)).toISOString(), why: next.why };
    }

    /**
     * The account is deleted and one of its containers got new blobs: nothing can be discovered,
     * snapshotted or exported, so the container goes to each target as it is (one activity each).
     */
    function* storageOnlyRun(only: { storageAccount: string; container: string }) {
      const where = `container ${only.container} of storage account ${only.storageAccount}`;
      if (request.targets.length === 0) {
        return yield* finish(
          'storage-only',
          `storage-only run of ${where}: no target chosen, nothing to do`,
        );
      }
      state.phase = 'targets';
      note(state, iso(), `the account is deleted: storage-only migration of ${where}`);
      publishStatus();
      for (const target of request.targets) {
        const tally = tallyFor(state, { stage: 'targets', target });
        tally.total += 1;
        try {
          const result = yield* call<BatchResult>(ActivityNames.migrateContainer, {
            accountId: request.accountId,
            target,
            storageAccount: only.storageAccount,
            container: only.container,
            options: request.targetOptions?.[target],
          } satisfies MigrateContainerInput);
          addResult(tally, result);
        } catch (error) {
          addResult(tally, { done: 0, failed: 1, skipped: 0, calls: 0, waitedMs: 0 });
          fail('targets', `${target}: ${only.container}`, error);
        }
      }
      const t = Object.entries(state.tallies.targets)
        .map(([name, c]) => `${name} ${c.done} done, ${c.skipped} skipped, ${c.failed} failed`)
        .join('; ');
      return yield* finish('storage-only', `storage-only migration of ${where} finished: ${t}`);
    }

    if (request.storageOnly && state.phase !== 'done') {
      return yield* storageOnlyRun(request.storageOnly);
    }

    // ---- the phases, in deadline order ----
    for (;;) {
      switch (state.phase) {
        case 'discover': {
          publishStatus();
          const account = yield* discover();
          if (!account) {
            if (state.discoverAttempts >= MAX_DISCOVER_ATTEMPTS) {
              return yield* finish(
                'failed',
                `the account could not be read after ${state.discoverAttempts} attempts`,
              );
            }
            state.nextWakeUpAt = new Date(now().getTime() + DISCOVER_RETRY_DELAY).toISOString();
            publishStatus();
            yield context.df.createTimer(new Date(state.nextWakeUpAt));
            return continueWith();
          }
          if (!account.exists) {
            return yield* finish(
              'account-deleted',
              'the account no longer exists (404): only the media in its storage accounts remains',
            );
          }
          note(
            state,
            iso(),
            `account found${account.readOnly ? ', already read-only' : ''}; retirement date ${account.retirementDate ?? 'unknown'}`,
          );
          state.phase = 'snapshot';
          yield* recordLedger();
          break;
        }
        case 'snapshot': {
          publishStatus();
          const ref = yield* snapshot('initial');
          if (!ref) {
            // Without a snapshot nothing can be exported: retry through the discover phase.
            state.discoverAttempts += 1;
            if (state.discoverAttempts >= MAX_DISCOVER_ATTEMPTS) {
              return yield* finish('failed', 'the account could not be snapshotted');
            }
            state.phase = 'discover';
            yield context.df.createTimer(new Date(now().getTime() + DISCOVER_RETRY_DELAY));
            return continueWith();
          }
          state.phase = 'plan';
          break;
        }
        case 'plan': {
          plan();
          note(state, iso(), `plan: ${state.plan?.reason ?? 'no plan'}`);
          state.phase = state.approval === 'pending' ? 'approval' : 'extension';
          publishStatus();
          break;
        }
        case 'approval': {
          const answer = yield* awaitApproval();
          if (answer === 'cancelled')
            return yield* finish('cancelled', 'cancelled while waiting for approval');
          state.approval = answer;
          note(
            state,
            iso(),
            answer === 'approved'
              ? 'approved'
              : 'no approval before the cut-off: exporting only, no extension and no target changes',
          );
          state.phase = 'extension';
          break;
        }
        case 'extension': {
          const mayChange = state.approval === 'not-required' || state.approval === 'approved';
          if (state.plan?.requestExtension && mayChange && !state.extension.requested) {
            publishStatus();
            try {
              const result = yield* call<ExtensionResult>(
                ActivityNames.requestExtension,
                accountInput,
              );
              state.extension = {
                requested: true,
                requestedAt: iso(),
                granted: result.accepted,
                answer: result.answer,
              };
              if (result.retirementDate && state.account) {
                state.account = { ...state.account, retirementDate: result.retirementDate };
              }
              note(
                state,
                iso(),
                result.accepted
                  ? `extension granted; retirement date ${result.confirmed ? 'now' : 'not yet moved, still'} ${result.retirementDate ?? 'unknown'}`
                  : `extension refused: ${result.answer ?? 'no answer'}`,
              );
              plan();
            } catch (error) {
              state.extension = {
                requested: true,
                requestedAt: iso(),
                granted: false,
                answer: errorLine(error),
              };
              fail('extension', ActivityNames.requestExtension, error);
            }
          }
          const snap = state.snapshots.at(-1);
          if (snap) {
            enqueueSnapshotWork(state, snap, request, tuning, {
              readOnly: state.account?.readOnly ?? false,
              targets: mayChange,
            });
          }
          state.phase = 'export';
          yield* recordLedger();
          break;
        }
        case 'export':
        case 'targets': {
          const outcome = yield* drainQueue();
          if (outcome === 'cancelled') return yield* finish('cancelled', 'cancelled');
          if (outcome === 'paused') return continueWith();
          state.phase = 'publish';
          break;
        }
        case 'publish': {
          publishStatus();
          yield* publish();
          yield* recordLedger();
          state.phase = 'watch';
          return continueWith();
        }
        case 'watch': {
          const wake = nextWake();
          if (!wake) {
            return yield* finish(
              completedOutcome(),
              'nothing left to watch: no retirement date is known',
            );
          }
          state.nextWakeUpAt = wake.at;
          publishStatus();
          const timer = context.df.createTimer(new Date(wake.at));
          const cancel = context.df.waitForExternalEvent(EventNames.cancel);
          const added = context.df.waitForExternalEvent(EventNames.assetsAdded);
          const winner = yield context.df.Task.any([timer, cancel, added]);
          if (winner !== timer) timer.cancel();
          state.nextWakeUpAt = undefined;
          if (winner === cancel) return yield* finish('cancelled', 'cancelled during the watch');

          const account = yield* discover();
          if (account && !account.exists) {
            return yield* finish(
              completedOutcome(),
              'the account was deleted at the end of its window; everything secured is listed in this report',
            );
          }
          if (account) plan();
          const readOnly = account?.readOnly ?? false;
          const why = winner === added ? 'assets-added' : wake.why;
          if (why === 'deletion-warning' && !state.deletionWarned) {
            state.deletionWarned = true;
            note(
              state,
              iso(),
              `warning: the account and all its metadata will be deleted at ${state.plan?.deletionAt ?? 'its deletion date'}`,
            );
          }
          if (
            !readOnly &&
            account &&
            (why === 'tick' || why === 'assets-added' || why === 'final-snapshot')
          ) {
            const kind: SnapshotKind = why === 'final-snapshot' ? 'final' : 'incremental';
            const ref = yield* snapshot(kind);
            // One attempt only: a failure is recorded, and the daily ticks keep looking until read-only.
            if (kind === 'final') state.finalSnapshotTaken = true;
            if (ref) {
              const mayChange = state.approval === 'not-required' || state.approval === 'approved';
              enqueueSnapshotWork(state, ref, request, tuning, {
                readOnly: false,
                targets: mayChange,
              });
            }
            if (state.retry.length > 0) {
              note(state, iso(), `retrying ${requeueFailedBatches(state)} failed batches`);
            }
          } else if (
            readOnly &&
            state.retry.some((w) => w.stage === 'paths' || w.stage === 'targets')
          ) {
            dropPostOnlyWork(state, iso());
            requeueFailedBatches(state);
          }
          state.phase = queueRecords(state) > 0 ? 'export' : 'publish';
          // The report is rewritten when the work changed or a warning was raised.
          if (state.phase === 'publish' && !state.dirty && why !== 'deletion-warning') {
            state.phase = 'watch';
          }
          return continueWith();
        }
        case 'done':
          return summary();
      }
    }
  };
}
