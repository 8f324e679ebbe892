import { ContainerIndex } from '../../shared/ledger/container-index';
import { pipelineActivities as act } from '../../shared/pipeline/activities';
import { createDependencies } from '../../shared/pipeline/dependencies';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { handleAssetBlobEvent } from '../../shared/triggers/blob-events';
import { VirtualClock } from '../../local/runtime';
import { startTestEmulator } from '../support/ams-emulator';
import { uniqueName } from '../support/storage';
import type { AmsEmulatorHandle } from '../../emulators/ams';
import { autoAdvance } from '../pipeline/support';
import { runtimeServices } from './support/runtime';
import { accountArmId, SUB } from './support/services';

/**
 * A blob event names a storage account and a container. `asset-*` containers are placed by the
 * storage account's owner; any other container an asset points to is placed by the snapshot, which
 * records where every asset lives. Here the snapshot is the pipeline's real activity, and the
 * event goes through the real handler to a running instance.
 */
describe('containers an asset points to reach its account', () => {
  const { services, tables, config, runtime, handled } = runtimeServices({});
  const name = 'legacy';
  const accountId = accountArmId(name);
  const store = 'legacystore';
  let emu: AmsEmulatorHandle;

  beforeAll(async () => {
    const clock = new VirtualClock(Date.UTC(2025, 5, 1));
    emu = await startTestEmulator({
      clock,
      seed: {
        accounts: [
          {
            subscriptionId: SUB,
            resourceGroup: 'media',
            name,
            storageAccounts: [store],
            assets: [
              { name: 'uploaded-by-hand', properties: { container: 'legacy-uploads' } },
              { name: 'encoded', properties: { container: 'asset-0a0b' } },
              ...Array.from({ length: 250 }, (_, i) => ({
                name: `bulk-${i}`,
                properties: { container: `archive-${i % 120}` },
              })),
            ],
          },
        ],
      },
    });
    // The pipeline's dependencies write to the same index the trigger services read.
    const deps = createDependencies(
      { ...config, ledgerTable: tables.ledger.tableName, outputContainer: uniqueName('out') },
      {
        clock,
        credential: emu.credential,
        caCert: emu.caCert,
        armEndpoint: emu.armEndpoint,
        containers: new ContainerIndex(tables.containers, tables.ledger),
        log: () => undefined,
      },
    );
    // Virtual time moves whenever the snapshot waits on ARM's read budget.
    const stopClock = autoAdvance(clock);
    await act.discoverAccount(deps, { accountId });
    await act.takeSnapshot(deps, { accountId }).finally(stopClock);
    await services.migrations.start(
      { accountId, targets: [], extensionPolicy: 'auto' },
      false,
      'test',
    );
  }, 60_000);
  afterAll(async () => {
    await runtime.stop();
    await emu?.stop();
  });

  it('places every container of the snapshot, named by the asset- convention or not', async () => {
    const index = services.blobEvents.index;
    expect(await index.resolve(store, 'legacy-uploads')).toEqual({
      accountId: accountId.toLowerCase(),
      via: 'container',
    });
    // asset-* containers: by the storage account discovery recorded, not a row each.
    expect(await index.resolve(store, 'asset-0a0b')).toEqual({
      accountId: accountId.toLowerCase(),
      via: 'asset-prefix',
    });
    // 122 distinct containers: more than one transaction of 100 rows.
    for (const i of [0, 99, 100, 119])
      expect(await index.resolve(store, `archive-${i}`)).toMatchObject({ via: 'container' });
    expect(await index.resolve(store, 'archive-120')).toBeUndefined();
    expect(await index.resolve('otherstore', 'legacy-uploads')).toBeUndefined();
  });

  it('raises assets-added on the account for a new blob in such a container', async () => {
    const outcome = await handleAssetBlobEvent(services.blobEvents, {
      id: 'evt-1',
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/legacy-uploads/blobs/new%20take.mp4',
      topic: `/subscriptions/${SUB}/resourceGroups/media/providers/Microsoft.Storage/storageAccounts/${store}`,
      eventTime: '2025-06-02T00:00:00Z',
      data: { url: `https://${store}.blob.core.windows.net/legacy-uploads/new%20take.mp4` },
    });
    expect(outcome).toEqual({ action: 'assets-added', instanceId: accountInstanceId(accountId) });
    await runtime.runUntilIdle();
    expect(handled.map((h) => h.data)).toEqual([
      expect.objectContaining({ storageAccount: store, container: 'legacy-uploads' }),
    ]);
  });
});
