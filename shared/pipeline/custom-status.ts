import type { MigrationOutcome, MigrationPhase, WorkTally } from './contracts';
import type { MigrationState } from './migration-state';
import { queueRecords } from './migration-state';

/**
 * The orchestration's custom status: what a portal or `ams-lifeboat status` shows while it runs.
 * Phase, counts, deadlines and the next wake-up; no secrets (it is built from counts, dates and
 * already-redacted error lines only) and never more than 16 KB, which the Durable extension allows.
 */

export const CUSTOM_STATUS_LIMIT_BYTES = 16 * 1024;

export interface ProgressCounts {
  total: number;
  done: number;
  failed: number;
  skipped: number;
}

export interface MigrationStatus {
  phase: MigrationPhase;
  outcome?: MigrationOutcome;
  account: string;
  exists?: boolean;
  readOnly?: boolean;
  deadlines: {
    retirementDate?: string;
    extensionCutoffAt?: string;
    readOnlyAt?: string;
    deletionAt?: string;
  };
  extension: { requested: boolean; granted?: boolean; decision?: string };
  approval?: string;
  counts?: Record<string, number>;
  progress: {
    keys: ProgressCounts;
    secrets: ProgressCounts;
    paths: ProgressCounts & { derived: boolean };
    targets: Record<string, ProgressCounts>;
    queued: number;
  };
  nextWakeUpAt?: string;
  snapshot?: string;
  urlMap?: string;
  report?: string;
  failureCount: number;
  lastFailures: string[];
  generation: number;
  updatedAt: string;
}

function progress(tally: WorkTally): ProgressCounts {
  return { total: tally.total, done: tally.done, failed: tally.failed, skipped: tally.skipped };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function statusBytes(status: unknown): number {
  return Buffer.byteLength(JSON.stringify(status), 'utf8');
}

export function buildCustomStatus(state: MigrationState): MigrationStatus {
  const counts = state.account?.counts;
  const status: MigrationStatus = {
    phase: state.phase,
    outcome: state.outcome,
    account: clip(state.accountId, 400),
    exists: state.account?.exists,
    readOnly: state.account?.readOnly,
    deadlines: {
      retirementDate: state.account?.retirementDate,
      extensionCutoffAt: state.plan?.extensionCutoffAt,
      readOnlyAt: state.plan?.readOnlyAt,
      deletionAt: state.plan?.deletionAt,
    },
    extension: {
      requested: state.extension.requested,
      granted: state.extension.granted,
      decision: state.plan ? clip(state.plan.reason, 300) : undefined,
    },
    approval: state.approval === 'not-required' ? undefined : state.approval,
    counts: counts ? { ...counts } : undefined,
    progress: {
      keys: progress(state.tallies.keys),
      secrets: progress(state.tallies.secrets),
      paths: { ...progress(state.tallies.paths), derived: state.pathsDerived },
      targets: Object.fromEntries(
        Object.entries(state.tallies.targets)
          .slice(0, 8)
          .map(([name, tally]) => [clip(name, 40), progress(tally)]),
      ),
      queued: queueRecords(state),
    },
    nextWakeUpAt: state.nextWakeUpAt,
    snapshot: state.snapshots.at(-1)?.path,
    urlMap: state.urlMap?.jsonPath,
    report: state.report?.htmlPath,
    failureCount: state.failureCount,
    lastFailures: state.failures
      .slice(-5)
      .map((f) => clip(`${f.at} ${f.stage} ${f.where}: ${f.error}`, 500)),
    generation: state.generation,
    updatedAt: state.updatedAt,
  };
  // Bounded by construction; the loop is the guarantee should a field ever grow.
  while (statusBytes(status) > CUSTOM_STATUS_LIMIT_BYTES && status.lastFailures.length > 0) {
    status.lastFailures.shift();
  }
  if (statusBytes(status) > CUSTOM_STATUS_LIMIT_BYTES) {
    status.snapshot = status.urlMap = status.report = undefined;
    status.extension.decision = undefined;
  }
  return status;
}
