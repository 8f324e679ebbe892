import type { ActivityHandler } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';
import { createAccountMigration } from '../../orchestrators/account-migration';
import { CUSTOM_STATUS_LIMIT_BYTES } from '../../shared/pipeline/custom-status';
import {
  ActivityNames,
  EventNames,
  OrchestrationNames,
  type AccountState,
  type BatchResult,
  type ExportBatchInput,
  type ExtensionResult,
  type MigrationRequest,
  type MigrationSummary,
  type SnapshotRef,
  type TakeSnapshotInput,
} from '../../shared/pipeline/contracts';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { domainWindowPlanner } from '../../shared/pipeline/window-planner';

/**
 * The orchestration's control flow on the real local runtime and virtual time, with scripted
 * activities standing in for an account (its lifecycle follows the clock, key calls are paced to
 * a budget). The lifecycle tests in test/lifecycle run the same orchestration against the AMS
 * emulator with the domain activities.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);
const ACCOUNT =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct';

interface Script {
  retireInDays: number;
  locators: number;
  assets: number;
  keyBudgetPerHour: number;
  deleted?: boolean;
  /** Key batches (by offset) that throw this many times before they succeed. */
  flakyKeyBatches?: Record<number, number>;
  /** Assets created on this day of the window (picked up by a delta snapshot). */
  newAssetsOnDay?: number;
}

function scriptedAccount(clock: VirtualClock, script: Script) {
  let retirement = START + script.retireInDays * DAY;
  const calls = {
    keys: new Map<string, number>(),
    extension: 0,
    paths: 0,
    derivedPaths: 0,
    targets: 0,
    snapshots: [] as string[],
    statuses: [] as string[],
  };
  const flaky = { ...script.flakyKeyBatches };
  const readOnly = () => clock.now() >= retirement;
  const gone = () => script.deleted || clock.now() >= retirement + 90 * DAY;
  const newAssetsAt = script.newAssetsOnDay ? START + script.newAssetsOnDay * DAY : undefined;
  const activities: Record<string, ActivityHandler> = {
    [ActivityNames.discoverAccount]: async (): Promise<AccountState> => ({
      accountId: ACCOUNT,
      exists: !gone(),
      readOnly: !gone() && readOnly(),
      retirementDate: gone() ? undefined : new Date(retirement).toISOString(),
      storageAccounts: ['media'],
      observedAt: new Date(clock.now()).toISOString(),
      counts: {
        assets: script.assets,
        streamingLocators: script.locators,
        encryptedLocators: script.locators,
        contentKeyPolicies: 2,
        streamingPolicies: 0,
        assetFilters: 0,
        accountFilters: 0,
        streamingEndpoints: 1,
        liveEvents: 0,
        transforms: 0,
        jobs: 0,
      },
    }),
    [ActivityNames.takeSnapshot]: async (input: unknown): Promise<SnapshotRef> => {
      const { createdAfter } = input as TakeSnapshotInput;
      const takenAt = new Date(clock.now()).toISOString();
      calls.snapshots.push(createdAfter ? 'delta' : 'full');
      const fresh =
        createdAfter &&
        newAssetsAt &&
        Date.parse(createdAfter) < newAssetsAt &&
        clock.now() >= newAssetsAt
          ? 5
          : 0;
      const counts = createdAfter
        ? { assets: fresh, streamingLocators: fresh, contentKeyPolicies: 0 }
        : { assets: script.assets, streamingLocators: script.locators, contentKeyPolicies: 2 };
      return {
        path: `snapshots/acct/${takenAt}/`,
        takenAt,
        counts,
        unreadable: [],
        readOnly: readOnly(),
      };
    },
    [ActivityNames.requestExtension]: async (): Promise<ExtensionResult> => {
      calls.extension++;
      if (readOnly()) throw new Error('HTTP 409 the account is read-only');
      retirement += 30 * DAY;
      return {
        sentNow: true,
        requested: true,
        accepted: true,
        confirmed: true,
        retirementDate: new Date(retirement).toISOString(),
      };
    },
    [ActivityNames.exportKeysBatch]: async (input: unknown): Promise<BatchResult> => {
      const { batch } = input as ExportBatchInput;
      if ((flaky[batch.offset] ?? 0) > 0) {
        flaky[batch.offset]! -= 1;
        throw new Error('HTTP 503 ServiceUnavailable');
      }
      let done = 0;
      let failed = 0;
      for (let i = batch.offset; i < batch.offset + batch.count; i++) {
        const key = `${batch.resource}/${batch.snapshotPath}/${i}`;
        if (readOnly()) {
          failed++;
          continue;
        }
        await clock.sleep(HOUR / script.keyBudgetPerHour);
        calls.keys.set(key, (calls.keys.get(key) ?? 0) + 1);
        done++;
      }
      return { done, failed, skipped: 0, calls: done, waitedMs: 0 };
    },
    [ActivityNames.exportPathsBatch]: async (input: unknown): Promise<BatchResult> => {
      const { batch, derive } = input as ExportBatchInput;
      if (derive) calls.derivedPaths += batch.count;
      else calls.paths += batch.count;
      return { done: batch.count, failed: 0, skipped: 0, calls: batch.count, waitedMs: 0 };
    },
    [ActivityNames.migrateAssetsBatch]: async (input: unknown): Promise<BatchResult> => {
      const { batch } = input as ExportBatchInput;
      calls.targets += batch.count;
      return { done: batch.count, failed: 0, skipped: 0, calls: batch.count, waitedMs: 0 };
    },
    [ActivityNames.buildUrlMap]: async () => ({
      jsonPath: 'urlmaps/acct.json',
      csvPath: 'urlmaps/acct.csv',
      rows: 1,
      mapped: 0,
      derived: 0,
      missing: 0,
    }),
    [ActivityNames.writeReport]: async () => ({ jsonPath: 'r.json', htmlPath: 'r.html' }),
    [ActivityNames.recordAccountState]: async () => undefined,
  };
  return { activities, calls, retirement: () => retirement };
}

async function migrate(
  script: Script,
  request: Partial<MigrationRequest> = {},
  during?: (runtime: DurableRuntime, id: string, clock: VirtualClock) => Promise<void>,
) {
  const clock = new VirtualClock(START);
  const account = scriptedAccount(clock, script);
  const registry = createRegistry(
    {
      [OrchestrationNames.accountMigration]: createAccountMigration({
        planWindow: domainWindowPlanner,
      }),
    },
    account.activities,
  );
  const runtime = new DurableRuntime({ registry, clock });
  const id = accountInstanceId(ACCOUNT);
  await runtime.client.startNew(OrchestrationNames.accountMigration, {
    instanceId: id,
    input: {
      accountId: ACCOUNT,
      targets: ['static'],
      extensionPolicy: 'auto',
      keyBudgetPerHour: script.keyBudgetPerHour,
      ...request,
    } satisfies MigrationRequest,
  });
  if (during) await during(runtime, id, clock);
  await runtime.runUntilIdle();
  const record = (await runtime.getRecord(id))!;
  const history = (await runtime.getHistory(id)) ?? [];
  await runtime.stop();
  return {
    record,
    summary: JSON.parse(record.output ?? 'null') as MigrationSummary,
    calls: account.calls,
    historyLength: history.length,
    customStatusBytes: Buffer.byteLength(record.customStatus ?? ''),
  };
}

const keyCalls = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

describe('account migration orchestration (scripted account, virtual time)', () => {
  it('exports every key before read-only without the extension when the budget fits, then watches to deletion', async () => {
    const { record, summary, calls, historyLength, customStatusBytes } = await migrate({
      retireInDays: 30,
      locators: 400,
      assets: 100,
      keyBudgetPerHour: 1200,
    });
    expect(record.runtimeStatus).toBe('Completed');
    expect(summary.outcome).toBe('completed');
    expect(calls.extension).toBe(0);
    expect(summary.extension.requested).toBe(false);
    // Every locator's keys and each policy's secrets, once.
    expect(calls.keys.size).toBe(402);
    expect(keyCalls(calls.keys)).toBe(402);
    expect(summary.tallies.keys).toMatchObject({ total: 400, done: 400, failed: 0 });
    expect(summary.tallies.secrets).toMatchObject({ total: 2, done: 2 });
    expect(calls.paths).toBe(400);
    expect(calls.targets).toBe(100);
    expect(calls.snapshots[0]).toBe('full');
    const timeline = summary.timeline.map((e) => e.what).join('\n');
    expect(timeline).toMatch(/final snapshot taken/);
    expect(timeline).toMatch(/warning: the account and all its metadata will be deleted/);
    expect(timeline).toMatch(/deleted at the end of its window/);
    expect(summary.timeline.at(-1)?.at).toBe('2026-05-01T01:00:00.000Z');
    // continueAsNew keeps each generation's history short.
    expect(historyLength).toBeLessThan(40);
    expect(customStatusBytes).toBeLessThanOrEqual(CUSTOM_STATUS_LIMIT_BYTES);
  });

  it('asks for the extension once, in time, when the work does not fit, and finishes inside the extended window', async () => {
    const { summary, calls } = await migrate({
      retireInDays: 5,
      locators: 1_000,
      assets: 10,
      keyBudgetPerHour: 5,
    });
    expect(calls.extension).toBe(1);
    expect(summary.extension).toMatchObject({ requested: true, granted: true });
    expect(Date.parse(summary.extension.requestedAt!)).toBeLessThan(START + 5 * DAY);
    expect(summary.tallies.keys).toMatchObject({ total: 1_000, done: 1_000, failed: 0 });
    expect(summary.outcome).toBe('completed');
  });

  it('with policy never, exports keys first until read-only and reports the rest as missing', async () => {
    const { summary, calls } = await migrate(
      { retireInDays: 2, locators: 200, assets: 10, keyBudgetPerHour: 2 },
      { extensionPolicy: 'never', tuning: { keyBatchSize: 10 } },
    );
    expect(calls.extension).toBe(0);
    expect(summary.tallies.keys.done).toBeLessThan(200);
    expect(summary.tallies.keys.done + summary.tallies.keys.failed).toBe(200);
    expect(summary.pathsDerived).toBe(true);
    expect(summary.outcome).toBe('completed-with-failures');
    expect(summary.failures.map((f) => f.error).join('\n')).toMatch(/turned read-only before/);
  });

  it('snapshots an account that is already read-only and derives its paths, with no key work', async () => {
    const { summary, calls } = await migrate({
      retireInDays: -10,
      locators: 50,
      assets: 20,
      keyBudgetPerHour: 1200,
    });
    expect(calls.keys.size).toBe(0);
    expect(calls.extension).toBe(0);
    expect(calls.derivedPaths).toBe(50);
    expect(calls.paths).toBe(0);
    expect(summary.pathsDerived).toBe(true);
    expect(summary.timeline[1]?.what).toMatch(/already read-only/);
    expect(summary.outcome).toBe('completed');
  });

  it('ends with a clear result for a deleted account', async () => {
    const { record, summary, calls } = await migrate({
      retireInDays: 0,
      locators: 10,
      assets: 10,
      keyBudgetPerHour: 10,
      deleted: true,
    });
    expect(record.runtimeStatus).toBe('Completed');
    expect(summary.outcome).toBe('account-deleted');
    expect(summary.timeline.at(-1)?.what).toMatch(/no longer exists \(404\)/);
    expect(calls.snapshots).toHaveLength(0);
  });

  it('records a batch that keeps failing, and retries it on the next wake-up', async () => {
    const { summary, calls } = await migrate(
      {
        retireInDays: 20,
        locators: 100,
        assets: 5,
        keyBudgetPerHour: 1200,
        flakyKeyBatches: { 50: 4 },
      },
      { tuning: { keyBatchSize: 50 } },
    );
    // Four attempts (the retry policy) fail, the batch is recorded, and a later pass exports it.
    expect(summary.failureCount).toBe(1);
    expect(summary.failures[0]).toMatchObject({
      stage: 'keys',
      where: 'keys streamingLocators[50+50]',
    });
    expect(summary.failures[0]?.error).toMatch(/503/);
    expect(summary.tallies.keys).toMatchObject({ total: 100, done: 100, failed: 0 });
    expect(keyCalls(calls.keys)).toBe(102);
    expect(summary.timeline.map((e) => e.what)).toContain('retrying 1 failed batches');
  });

  it('picks up assets created during the window through a delta snapshot', async () => {
    const { summary, calls } = await migrate({
      retireInDays: 10,
      locators: 20,
      assets: 20,
      keyBudgetPerHour: 1200,
      newAssetsOnDay: 3,
    });
    expect(calls.snapshots.filter((s) => s === 'full')).toHaveLength(1);
    expect(summary.timeline.map((e) => e.what)).toContain(
      'incremental snapshot taken: 5 assets created since the last one',
    );
    expect(summary.tallies.keys).toMatchObject({ total: 25, done: 25 });
    expect(calls.targets).toBe(25);
  });

  it('stops on cancel', async () => {
    const { summary } = await migrate(
      { retireInDays: 30, locators: 10, assets: 10, keyBudgetPerHour: 1200 },
      {},
      (runtime, id) => runtime.client.raiseEvent(id, EventNames.cancel, {}),
    );
    expect(summary.outcome).toBe('cancelled');
  });

  it('with approval required, an approval lets it ask for the extension and move assets', async () => {
    const { summary, calls } = await migrate(
      { retireInDays: 5, locators: 1_000, assets: 10, keyBudgetPerHour: 5 },
      { requireApproval: true },
      // Raised before the instance waits for it: the event is kept until it does.
      (runtime, id) => runtime.client.raiseEvent(id, EventNames.approve, { by: 'test' }),
    );
    expect(calls.extension).toBe(1);
    expect(summary.timeline.map((e) => e.what)).toContain('approved');
    expect(calls.targets).toBe(10);
  });

  it('with approval required and none given, it exports but changes nothing', async () => {
    const { summary, calls } = await migrate(
      { retireInDays: 5, locators: 100, assets: 10, keyBudgetPerHour: 5 },
      { requireApproval: true },
    );
    expect(calls.extension).toBe(0);
    expect(calls.targets).toBe(0);
    expect(summary.timeline.map((e) => e.what).join('\n')).toMatch(
      /no approval before the cut-off/,
    );
    // The key export still ran (reading is not a change) up to read-only.
    expect(summary.tallies.keys.done).toBeGreaterThan(0);
  });
});

describe('account migration orchestration: parallel waves', () => {
  it('counts every batch of a wave in which one batch fails', async () => {
    const clock = new VirtualClock(START);
    const account = scriptedAccount(clock, {
      retireInDays: 30,
      locators: 10,
      assets: 40,
      keyBudgetPerHour: 1200,
    });
    let failing = 0;
    const base = account.activities[ActivityNames.migrateAssetsBatch]!;
    account.activities[ActivityNames.migrateAssetsBatch] = async (input, context) => {
      const { batch } = input as ExportBatchInput;
      if (batch.offset === 10) {
        failing++;
        throw new Error('HTTP 500 InternalServerError');
      }
      return base(input, context);
    };
    const registry = createRegistry(
      {
        [OrchestrationNames.accountMigration]: createAccountMigration({
          planWindow: domainWindowPlanner,
        }),
      },
      account.activities,
    );
    const runtime = new DurableRuntime({ registry, clock });
    const id = accountInstanceId(ACCOUNT);
    await runtime.client.startNew(OrchestrationNames.accountMigration, {
      instanceId: id,
      input: {
        accountId: ACCOUNT,
        targets: ['static'],
        extensionPolicy: 'auto',
        tuning: { assetBatchSize: 10, parallelism: 4 },
      } satisfies MigrationRequest,
    });
    await runtime.runUntilIdle();
    const summary = JSON.parse((await runtime.getRecord(id))!.output!) as MigrationSummary;
    await runtime.stop();
    // Three batches of the wave done, the failing one recorded after its attempts and retried
    // at every later wake-up (it never succeeds here).
    expect(summary.tallies.targets.static).toMatchObject({ total: 40, done: 30, failed: 10 });
    expect(account.calls.targets).toBe(30);
    expect(summary.failures.at(-1)).toMatchObject({
      stage: 'targets',
      where: 'targets:static assets[10+10]',
    });
    expect(failing).toBeGreaterThanOrEqual(4);
    expect(summary.outcome).toBe('completed-with-failures');
  });
});
