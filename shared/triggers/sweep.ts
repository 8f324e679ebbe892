import { randomBytes } from 'node:crypto';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Clock } from '../clock';
import type { ExtensionPolicy } from '../config';
import { EventNames, type MigrationRequest } from '../pipeline/contracts';
import type { TargetName } from '../targets/target';
import { describeError } from '../telemetry/redact';
import { accountInstanceId } from '../pipeline/instance-id';
import type { ContainerIndex } from '../ledger/container-index';
import type { MigrationService } from './migrations';

/**
 * The timer sweep: lists the Media Services accounts of the configured subscriptions (optionally
 * only some resource groups) and makes sure each has its orchestration, by its deterministic id.
 * Running ones are woken (an assets-added event makes them look for new assets now); failed ones
 * are started again; finished and cancelled ones are left alone; deleted accounts are counted.
 * Two sweeps in a row never start anything twice: the second finds every instance running.
 */

/** An account as discovery lists it. `deleted` when Resource Manager answers 404 but we knew it. */
export interface DiscoveredAccount {
  accountId: string;
  deleted: boolean;
  /** Storage account names of the account (routes blob events to it). */
  storageAccounts?: string[];
}

/** Lists the accounts of one subscription, limited to the resource groups given (all if empty). */
export type ListAccounts = (
  subscriptionId: string,
  resourceGroups: readonly string[],
) => Promise<DiscoveredAccount[]>;

export interface SweepScope {
  subscriptions: readonly string[];
  resourceGroups: readonly string[];
}

export interface SweepDefaults {
  targets: TargetName[];
  extensionPolicy: ExtensionPolicy;
  requireApproval: boolean;
}

export interface SweepSummary {
  sweepId: string;
  startedAt: string;
  finishedAt: string;
  subscriptions: number;
  found: number;
  started: number;
  restarted: number;
  alreadyRunning: number;
  woken: number;
  finished: number;
  deleted: number;
  failed: number;
  /** Per account, what the sweep did (bounded; the counts above are complete). */
  accounts: Array<{ accountId: string; instanceId: string; action: SweepAction }>;
  errors: Array<{ scope: string; error: string }>;
}

export type SweepAction =
  'started' | 'restarted' | 'already-running' | 'finished' | 'deleted' | 'failed';

export interface SweepDeps {
  service: MigrationService;
  listAccounts: ListAccounts;
  index: ContainerIndex;
  clock: Clock;
  /** Raises the wake-up event; the service's client. */
  raiseEvent: (instanceId: string, event: string, data: unknown) => Promise<void>;
  /** Where each sweep's summary is kept (a blob per sweep); optional in tests. */
  summaries?: SweepSummaryStore;
}

const MAX_LISTED = 500;
const PARALLEL = 8;

export async function runSweep(
  deps: SweepDeps,
  scope: SweepScope,
  defaults: SweepDefaults,
): Promise<SweepSummary> {
  const startedAt = new Date(deps.clock.now()).toISOString();
  const summary: SweepSummary = {
    // Two sweeps in one millisecond (a timer and an on-demand run) keep separate summaries.
    sweepId: `sweep-${startedAt.replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`,
    startedAt,
    finishedAt: startedAt,
    subscriptions: scope.subscriptions.length,
    found: 0,
    started: 0,
    restarted: 0,
    alreadyRunning: 0,
    woken: 0,
    finished: 0,
    deleted: 0,
    failed: 0,
    accounts: [],
    errors: [],
  };

  const accounts: DiscoveredAccount[] = [];
  for (const subscription of scope.subscriptions) {
    try {
      accounts.push(...(await deps.listAccounts(subscription, scope.resourceGroups)));
    } catch (error) {
      summary.errors.push({ scope: `subscription ${subscription}`, error: describeError(error) });
    }
  }
  // One account listed twice (overlapping scopes) is still one account.
  const unique = [...new Map(accounts.map((a) => [a.accountId.toLowerCase(), a])).values()];
  summary.found = unique.length;

  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const account = unique[next++];
      if (account) await sweepOne(deps, account, defaults, summary);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, unique.length) }, worker));

  summary.accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
  summary.accounts.splice(MAX_LISTED);
  summary.finishedAt = new Date(deps.clock.now()).toISOString();
  await deps.summaries?.save(summary);
  return summary;
}

async function sweepOne(
  deps: SweepDeps,
  account: DiscoveredAccount,
  defaults: SweepDefaults,
  summary: SweepSummary,
): Promise<void> {
  let instanceId = account.accountId;
  let action: SweepAction;
  try {
    instanceId = accountInstanceId(account.accountId);
    if (account.storageAccounts?.length)
      await deps.index.recordStorageAccounts(account.accountId, account.storageAccounts);
    if (account.deleted) {
      action = 'deleted';
      summary.deleted++;
    } else {
      const request: MigrationRequest = {
        accountId: account.accountId,
        targets: defaults.targets,
        extensionPolicy: defaults.extensionPolicy,
        requireApproval: defaults.requireApproval,
      };
      const result = await deps.service.ensureStarted(
        instanceId,
        request,
        'failed',
        summary.sweepId,
      );
      action = result.outcome;
      if (result.outcome === 'started') summary.started++;
      else if (result.outcome === 'restarted') summary.restarted++;
      else if (result.outcome === 'finished') summary.finished++;
      else {
        summary.alreadyRunning++;
        await deps.raiseEvent(instanceId, EventNames.assetsAdded, {
          source: 'sweep',
          sweepId: summary.sweepId,
        });
        summary.woken++;
      }
    }
  } catch (error) {
    action = 'failed';
    summary.failed++;
    summary.errors.push({ scope: account.accountId, error: describeError(error) });
  }
  summary.accounts.push({ accountId: account.accountId, instanceId, action });
}

export interface SweepSummaryStore {
  save(summary: SweepSummary): Promise<void>;
}

/** Keeps each sweep's summary as `{container}/{yyyy-mm-dd}/{sweepId}.json`. */
export function blobSweepSummaries(
  service: BlobServiceClient,
  container = 'lifeboat-sweeps',
): SweepSummaryStore {
  let ensured: Promise<unknown> | undefined;
  return {
    async save(summary) {
      const client = service.getContainerClient(container);
      ensured ??= client.createIfNotExists();
      await ensured;
      const body = JSON.stringify(summary, null, 2);
      await client
        .getBlockBlobClient(`${summary.startedAt.slice(0, 10)}/${summary.sweepId}.json`)
        .upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
    },
  };
}
