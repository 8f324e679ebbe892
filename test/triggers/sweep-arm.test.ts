import { AzureMediaServices } from '@azure/arm-mediaservices';
import { startAmsEmulator, type AmsEmulatorHandle } from '../../emulators/ams';
import { Ledger } from '../../shared/ledger/ledger';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { armAccountDiscovery, armAccountExists } from '../../shared/triggers/arm-discovery';
import { runSweep } from '../../shared/triggers/sweep';
import { instancesIn, runtimeServices, startsOf } from './support/runtime';
import { accountArmId, SUB } from './support/services';

/**
 * The sweep with its real discovery: Resource Manager (the AMS emulator) lists the live accounts,
 * the ledger remembers the one that has since been deleted.
 */
describe('sweep over a subscription of the AMS emulator', () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2025, 5, 1);
  let emulator: AmsEmulatorHandle;
  let mediaClient: (subscriptionId: string) => AzureMediaServices;
  let built: ReturnType<typeof runtimeServices>;

  beforeAll(async () => {
    emulator = await startAmsEmulator({
      startTime: now,
      clockRate: 0,
      seed: {
        accounts: [
          {
            subscriptionId: SUB,
            resourceGroup: 'media',
            name: 'alpha',
            retirementDate: new Date(now + 30 * DAY).toISOString(),
          },
          {
            subscriptionId: SUB,
            resourceGroup: 'archive',
            name: 'beta',
            retirementDate: new Date(now + 5 * DAY).toISOString(),
          },
          {
            subscriptionId: SUB,
            resourceGroup: 'media',
            name: 'gamma',
            retirementDate: new Date(now - 100 * DAY).toISOString(),
          },
        ],
      },
    });
    const clients = new Map<string, AzureMediaServices>();
    mediaClient = (subscriptionId) => {
      let client = clients.get(subscriptionId);
      if (!client) {
        client = new AzureMediaServices(
          emulator.credential,
          subscriptionId,
          emulator.clientOptions,
        );
        clients.set(subscriptionId, client);
      }
      return client;
    };
    built = runtimeServices({
      env: { LIFEBOAT_SUBSCRIPTIONS: SUB },
      listAccounts: (subscription, groups) =>
        armAccountDiscovery({ mediaClient, ledgerTable: built.tables.ledger })(
          subscription,
          groups,
        ),
      accountExists: armAccountExists((s) => mediaClient(s)),
    });
    // An earlier run saw gamma before it was deleted.
    const ledger = new Ledger(built.tables.ledger);
    await ledger.ensure();
    await ledger.updateAccount(accountArmId('gamma'), { phase: 'done', exists: true });
  });
  afterAll(async () => {
    await built.runtime.stop();
    await emulator.stop();
  });

  it('run twice starts the two live accounts once and counts the deleted one', async () => {
    const { services, runtime } = built;
    const sweep = () =>
      runSweep(services.sweep.deps, services.sweep.scope, services.sweep.defaults);
    const first = await sweep();
    const second = await sweep();
    expect(first).toMatchObject({ found: 3, started: 2, alreadyRunning: 0, deleted: 1, failed: 0 });
    expect(second).toMatchObject({
      found: 3,
      started: 0,
      alreadyRunning: 2,
      deleted: 1,
      failed: 0,
    });

    const alpha = accountInstanceId(accountArmId('alpha'));
    const beta = accountInstanceId(accountArmId('beta', 'archive'));
    expect((await instancesIn(runtime)).map((i) => i.instanceId).sort()).toEqual(
      [alpha, beta].sort(),
    );
    expect(await startsOf(runtime, alpha)).toBe(1);
    expect(await startsOf(runtime, beta)).toBe(1);
    // Storage accounts from Resource Manager route blob events to the account.
    expect(await services.blobEvents.index.resolve('alphastore', 'asset-1')).toMatchObject({
      accountId: accountArmId('alpha').toLowerCase(),
    });
  });

  it('limits the sweep to the configured resource groups', async () => {
    const list = armAccountDiscovery({ mediaClient, ledgerTable: built.tables.ledger });
    const archive = await list(SUB, ['archive']);
    expect(archive.map((a) => a.accountId)).toEqual([
      accountArmId('beta', 'archive').toLowerCase(),
    ]);
  });

  it('knows which accounts Resource Manager has', async () => {
    const exists = armAccountExists((s) => mediaClient(s));
    expect(await exists(accountArmId('alpha'))).toBe(true);
    expect(await exists(accountArmId('nosuch'))).toBe(false);
  });
});
