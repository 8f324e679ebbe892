import type { MigrationStatus } from '../shared/pipeline/custom-status';
import type { MigrationRequest, MigrationSummary } from '../shared/pipeline/contracts';
import { canonicalAccountId } from '../shared/account-id';
import { accountInstanceId } from '../shared/pipeline/instance-id';
import { ensureStarted, type StartResult } from '../shared/pipeline/start-migration';
import type { LocalHost } from './host';
import { progressWriter, renderAccount } from './progress';

/**
 * Runs migrations on a local host until they reach a point: `secured` (every instance has
 * finished its export and sleeps through the window, or has ended) or `done` (every instance has
 * ended). Progress bars follow the custom status. What is durable is in the host's store and the
 * ledger, so a later run picks up where this one stopped.
 */

export interface RunOptions {
  until: 'secured' | 'done';
  progress: boolean;
  stream?: NodeJS.WriteStream;
  /** Polling period of the status, in real milliseconds. */
  pollMs?: number;
  /** Start afresh instances that completed in an earlier run (failed ones always are). */
  restartCompleted?: boolean;
}

export interface AccountOutcome {
  accountId: string;
  instanceId: string;
  start: StartResult['outcome'];
  runtimeStatus: string;
  status?: MigrationStatus;
  summary?: MigrationSummary;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

function parse<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export async function runMigrations(
  host: LocalHost,
  requests: MigrationRequest[],
  options: RunOptions,
): Promise<AccountOutcome[]> {
  const runtime = host.runtime;
  const started: AccountOutcome[] = [];
  for (const request of requests) {
    const accountId = canonicalAccountId(request.accountId);
    const result = await ensureStarted(
      runtime.client,
      accountInstanceId(accountId),
      { ...request, accountId },
      options.restartCompleted ? 'always' : 'failed',
    );
    started.push({
      accountId: request.accountId,
      instanceId: result.instanceId,
      start: result.outcome,
      runtimeStatus: result.status?.runtimeStatus ?? 'Pending',
    });
  }
  const writer = progressWriter(options.stream ?? process.stderr, options.progress, () =>
    Date.now(),
  );
  const idle = runtime.runUntilIdle();
  let finished = false;
  void idle.then(() => (finished = true));
  for (;;) {
    const reached = await refresh(host, started);
    writer.update(started.map((o) => renderAccount(o.status, o.accountId)));
    const enough = started.every((o) =>
      options.until === 'done'
        ? TERMINAL.has(o.runtimeStatus)
        : TERMINAL.has(o.runtimeStatus) || o.status?.phase === 'watch',
    );
    if (enough || finished || reached) break;
    await Promise.race([idle, new Promise((r) => setTimeout(r, options.pollMs ?? 250))]);
  }
  await refresh(host, started);
  writer.update(started.map((o) => renderAccount(o.status, o.accountId)));
  writer.done();
  return started;
}

async function refresh(host: LocalHost, outcomes: AccountOutcome[]): Promise<boolean> {
  for (const outcome of outcomes) {
    const record = await host.runtime.getRecord(outcome.instanceId);
    if (!record) continue;
    outcome.runtimeStatus = record.runtimeStatus;
    outcome.status = parse<MigrationStatus>(record.customStatus) ?? outcome.status;
    if (record.runtimeStatus === 'Completed') outcome.summary = parse(record.output);
  }
  return false;
}
