import { accountInstanceId } from '../../shared/triggers/account-instance';
import { runSweep, type DiscoveredAccount } from '../../shared/triggers/sweep';
import { FakeDurableClient } from './support/fake-client';
import { accountArmId, SUB, testServices } from './support/services';

describe('timer sweep', () => {
  const accounts: DiscoveredAccount[] = [
    { accountId: accountArmId('alpha'), deleted: false, storageAccounts: ['alphamedia'] },
    { accountId: accountArmId('beta', 'other'), deleted: false, storageAccounts: ['betamedia'] },
    { accountId: accountArmId('gamma'), deleted: true },
  ];
  const listed: Array<{ subscription: string; groups: readonly string[] }> = [];
  const client = new FakeDurableClient();
  const { services, blobs } = testServices({
    client,
    env: { LIFEBOAT_SUBSCRIPTIONS: SUB, LIFEBOAT_SWEEP_TARGETS: 'static' },
    listAccounts: async (subscription, groups) => {
      listed.push({ subscription, groups });
      return accounts;
    },
  });

  it('run twice over three accounts (one deleted) starts each live one exactly once', async () => {
    const { deps, scope, defaults } = services.sweep;
    const [first, second] = await Promise.all([
      runSweep(deps, scope, defaults),
      runSweep(deps, scope, defaults),
    ]);
    const third = await runSweep(deps, scope, defaults);

    const started = client.started.map((s) => s.instanceId).sort();
    expect(started).toEqual(
      [
        accountInstanceId(accountArmId('alpha')),
        accountInstanceId(accountArmId('beta', 'other')),
      ].sort(),
    );
    expect(client.started[0]?.input).toMatchObject({
      targets: ['static'],
      extensionPolicy: 'auto',
    });
    for (const summary of [first, second, third]) {
      expect(summary).toMatchObject({ found: 3, deleted: 1, failed: 0 });
      expect(summary.started + summary.alreadyRunning).toBe(2);
    }
    expect((first?.started ?? 0) + (second?.started ?? 0)).toBe(2);
    expect(third).toMatchObject({ started: 0, alreadyRunning: 2, woken: 2 });
    expect(third.accounts.find((a) => a.accountId === accountArmId('gamma'))?.action).toBe(
      'deleted',
    );
    expect(listed[0]).toEqual({ subscription: SUB, groups: [] });

    // The sweep wakes running instances so they look for new assets now.
    expect(
      client.events.filter((e) => e.eventName === 'assetsAdded').length,
    ).toBeGreaterThanOrEqual(2);
    // Blob events can now find the owner of the storage accounts.
    expect(await services.blobEvents.index.resolve('alphamedia', 'asset-1234')).toEqual({
      accountId: accountArmId('alpha').toLowerCase(),
      via: 'asset-prefix',
    });
  });

  it('starts a failed instance again, leaves finished ones, and keeps a summary', async () => {
    const alpha = accountInstanceId(accountArmId('alpha'));
    const beta = accountInstanceId(accountArmId('beta', 'other'));
    client.set(alpha, { runtimeStatus: 'Failed' });
    client.set(beta, { runtimeStatus: 'Completed' });
    const before = client.started.length;
    const summary = await runSweep(
      services.sweep.deps,
      services.sweep.scope,
      services.sweep.defaults,
    );
    expect(summary).toMatchObject({ restarted: 1, finished: 1, started: 0, deleted: 1 });
    expect(client.started.slice(before).map((s) => s.instanceId)).toEqual([alpha]);

    const container = blobs.getContainerClient('lifeboat-sweeps');
    const saved = await container
      .getBlobClient(`${summary.startedAt.slice(0, 10)}/${summary.sweepId}.json`)
      .downloadToBuffer();
    expect(JSON.parse(saved.toString())).toMatchObject({ sweepId: summary.sweepId, restarted: 1 });
  });

  it('records a subscription it cannot list and carries on', async () => {
    const client2 = new FakeDurableClient();
    const other = '00000000-0000-0000-0000-0000000000bb';
    const { services: s2 } = testServices({
      client: client2,
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
