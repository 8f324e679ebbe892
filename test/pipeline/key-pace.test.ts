import { pipelineActivities as act } from '../../shared/pipeline/activities';
import type { BatchResult } from '../../shared/pipeline/contracts';
import { createDependencies, type PipelineDependencies } from '../../shared/pipeline/dependencies';
import { LocalSecretStore } from '../../shared/secrets';
import { RG, SUB, accountIdOf, pipelineFixture, type Fixture } from './support';

/**
 * Key batches of an account run one at a time, but each may land on another Functions instance
 * with a pacer of its own. The pace travels with the work (`nextKeyCallAt` -> `notBefore`), so
 * the account's budget holds across processes; without it, every hand-over is an early call.
 */
const HOUR = 3_600_000;
const START = Date.UTC(2025, 3, 1);
const BUDGET = 1200;
const LOCATORS = 40;
const BATCH = 10;

describe('the content-key pace across processes', () => {
  let fx: Fixture;
  let processes: PipelineDependencies[];

  beforeAll(async () => {
    const account = (name: string) => ({
      subscriptionId: SUB,
      resourceGroup: RG,
      name,
      retirementDate: new Date(START + 30 * 24 * HOUR).toISOString(),
      generate: {
        assets: LOCATORS,
        containers: 'none' as const,
        mix: { clear: 0, aes: 0.5, drm: 0.5 },
        locatorsPerAsset: 1,
        assetFilterEvery: 0,
        accountFilters: 0,
      },
    });
    fx = await pipelineFixture({
      start: START,
      keyBudgetPerHour: BUDGET,
      emulator: {
        seed: { accounts: [account('handedon'), account('notheld')] },
        // The service's budget exactly, with no burst: any call early by the pace answers 429.
        budgets: { contentKeys: { limit: BUDGET, perMs: HOUR, burst: 1 } },
      },
    });
    // Two Functions instances: the same configuration and stores, each its own AMS clients and pacer.
    const second = createDependencies(fx.deps.config, {
      clock: fx.clock,
      credential: fx.emu.credential,
      caCert: fx.emu.caCert,
      armEndpoint: fx.emu.armEndpoint,
      secrets: new LocalSecretStore(fx.secretsDir),
      retry: { baseBackoffMs: 500, maxBackoffMs: 5_000 },
    });
    processes = [fx.deps, second];
  });
  afterAll(() => fx?.stop());

  /** Exports the account's keys batch by batch, each batch on the other process. */
  async function exportAlternating(name: string, handOn: boolean): Promise<BatchResult[]> {
    const accountId = accountIdOf(name);
    const snapshot = await act.takeSnapshot(fx.deps, { accountId });
    const batches = await act.planBatches(fx.deps, {
      snapshot,
      resource: 'streamingLocators',
      batchSize: BATCH,
    });
    const results: BatchResult[] = [];
    let notBefore: string | undefined;
    for (const [i, batch] of batches.entries()) {
      const result = await act.exportKeysBatch(processes[i % 2]!, {
        accountId,
        batch,
        ...(handOn && notBefore ? { notBefore } : {}),
      });
      notBefore = result.nextKeyCallAt;
      results.push(result);
    }
    return results;
  }

  const keyAnswers = (name: string) =>
    fx.emu.admin
      .requests({ operation: 'streamingLocators.listContentKeys' })
      .filter((e) => e.path.includes(`/mediaServices/${name}/`));

  it('keeps to the budget when each batch hands its pace to the next', async () => {
    const results = await exportAlternating('handedon', true);
    expect(results.reduce((n, r) => n + r.done, 0)).toBe(LOCATORS);
    expect(results.every((r) => typeof r.nextKeyCallAt === 'string')).toBe(true);
    const answers = keyAnswers('handedon');
    expect(answers.filter((e) => e.status === 429)).toEqual([]);
    expect(answers).toHaveLength(LOCATORS);
    // Evenly spaced at the budget's interval, hand-overs included.
    const times = answers.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(HOUR / BUDGET);
    expect(Math.max(...gaps)).toBeLessThan((HOUR / BUDGET) * 1.01);
  });

  it('without the hand-over, the first call of each batch on the other process is early', async () => {
    const results = await exportAlternating('notheld', false);
    // Still complete (429s are retried after Retry-After), but the budget was overrun.
    expect(results.reduce((n, r) => n + r.done, 0)).toBe(LOCATORS);
    const throttled = keyAnswers('notheld').filter((e) => e.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(LOCATORS / BATCH - 1);
  });

  it('refuses a notBefore that is not a date', async () => {
    await expect(
      act.exportKeysBatch(fx.deps, {
        accountId: accountIdOf('handedon'),
        batch: { snapshotPath: 'x', resource: 'streamingLocators', offset: 0, count: 1 },
        notBefore: 'soon',
      }),
    ).rejects.toThrow('exportKeysBatch: notBefore must be an ISO date');
  });
});
