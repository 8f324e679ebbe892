import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { runSweep, type DiscoveredAccount } from '../../shared/triggers/sweep';
import { FakeDurableClient } from './support/fake-client';
import { instancesIn, runtimeServices, startsOf } from './support/runtime';
import { accountArmId, SUB, testServices } from './support/services';

describe('timer sweep on the local runtime', () => {
  const accounts: DiscoveredAccount[] = [
    { accountId: accountArmId('alpha'), deleted: false, storageAccounts: ['alphamedia'] },
    { accountId: accountArmId('beta', 'other'), deleted: false, storageAccounts: ['betamedia'] },
    { accountId: accountArmId('gamma'), deleted: true },
  ];
  const listed: Array<{ subscription: string; groups: readonly string[] }> = [];
  const { services, blobs, runtime, handled } = runtimeServices({
    env: { LIFEBOAT_SUBSCRIPTIONS: SUB, LIFEBOAT_SWEEP_TARGETS: 'static' },
    listAccounts: async (subscription, groups) => {
      listed.push({ subscription, groups });
      return accounts;
    },
  });
  const alpha = accountInstanceId(accountArmId('alpha'));
  const beta = accountInstanceId(accountArmId('beta', 'other'));
  const sweep = () => runSweep(services.sweep.deps, services.sweep.scope, services.sweep.defaults);
  afterAll(() => runtime.stop());

  it('run twice over three accounts (one deleted) starts each live one exactly once', async () => {
    const first = await sweep();
    const second = await sweep();

    const instances = await instancesIn(runtime);
    expect(instances.map((i) => i.instanceId).sort()).toEqual([alpha, beta].sort());
    expect(await startsOf(runtime, alpha)).toBe(1);
    expect(await startsOf(runtime, beta)).toBe(1);
    expect(instances[0]?.input).toMatchObject({ targets: ['static'], extensionPolicy: 'auto' });

    expect(first).toMatchObject({ found: 3, started: 2, alreadyRunning: 0, deleted: 1, failed: 0 });
    expect(second).toMatchObject({
      found: 3,
      started: 0,
      alreadyRunning: 2,
      deleted: 1,
      failed: 0,
    });
    expect(second.accounts.find((a) => a.accountId === accountArmId('gamma'))?.action).toBe(
      'deleted',
    );
    expect(listed[0]).toEqual({ subscription: SUB, groups: [] });

    // The second sweep woke both running instances: each handled one assets-added.
    await runtime.runUntilIdle();
    expect(handled.map((h) => h.instanceId).sort()).toEqual([alpha, beta].sort());
    expect(handled[0]?.data).toMatchObject({ source: 'sweep', sweepId: second.sweepId });
    // Blob events can now find the owner of the storage accounts.
    expect(await services.blobEvents.index.resolve('alphamedia', 'asset-1234')).toEqual({
      accountId: accountArmId('alpha').toLowerCase(),
      via: 'asset-prefix',
    });
  });

  it('two sweeps at once still start nothing twice', async () => {
    const more = accountArmId('delta');
    accounts.push({ accountId: more, deleted: false });
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.started + b.started).toBe(1);
    expect(await startsOf(runtime, accountInstanceId(more))).toBe(1);
    accounts.pop();
  });

  it('starts a failed instance again, leaves finished ones, and keeps a summary', async () => {
    await runtime.client.raiseEvent(alpha, 'cancel', { reason: 'fail' });
    await runtime.client.raiseEvent(beta, 'cancel', { reason: 'done' });
    expect((await runtime.waitForCompletion(alpha)).runtimeStatus).toBe('Failed');
    expect((await runtime.waitForCompletion(beta)).runtimeStatus).toBe('Completed');

    const summary = await sweep();
    expect(summary).toMatchObject({ restarted: 1, finished: 1, started: 0, deleted: 1 });
    expect(summary.accounts.find((a) => a.instanceId === alpha)?.action).toBe('restarted');
    expect((await runtime.client.getStatus(alpha)).runtimeStatus).not.toBe('Failed');

    const saved = await blobs
      .getContainerClient('lifeboat-sweeps')
      .getBlobClient(`${summary.startedAt.slice(0, 10)}/${summary.sweepId}.json`)
      .downloadToBuffer();
    expect(JSON.parse(saved.toString())).toMatchObject({ sweepId: summary.sweepId, restarted: 1 });
  });

  it('records a subscription it cannot list, redacted, and carries on', async () => {
    const other = '00000000-0000-0000-0000-0000000000bb';
    const { services: s2 } = testServices({
      client: new FakeDurableClient(),
      env: { LIFEBOAT_SUBSCRIPTIONS: `${other},${SUB}` },
      listAccounts: async (subscription) => {
        if (subscription === other) throw new Error('HTTP 403 AuthorizationFailed Bearer abc.def');
        return [accounts[0] as DiscoveredAccount];
      },
    });
    const summary = await runSweep(s2.sweep.deps, s2.sweep.scope, s2.sweep.defaults);
    expect(summary).toMatchObject({ found: 1, started: 1 });
    expect(summary.errors[0]?.error).toMatch(/AuthorizationFailed Bearer \[redacted\]/);
  });
});
