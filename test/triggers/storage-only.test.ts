import { OrchestrationNames, type MigrationSummary } from '../../shared/pipeline/contracts';
import { storageOnlyInstanceId } from '../../shared/pipeline/instance-id';
import type { StorageOnlyMigrationRequest } from '../../shared/triggers/migrations';
import { migrateContainer, parseMigrateContainerInput } from '../../shared/targets/dispatch';
import { DAY, RG, START, SUB, accountIdOf, startWorld, type World } from '../lifecycle/support';
import { uniqueName } from '../support/storage';
import { handleAssetBlobEvent, type BlobEventInput } from '../../shared/triggers/blob-events';
import { testServices } from './support/services';

/**
 * A blob lands in an asset container of an account that is already deleted: the blob-event path
 * starts a storage-only instance (`storageOnly` in its input). Here the real orchestration runs on
 * the local runtime against the AMS emulator (the account answers 404) with real media in Azurite.
 */
describe('storage-only migration of a deleted account’s container', () => {
  let world: World;
  const name = 'goneonly';
  const store = `${name}store`;
  const container = uniqueName('asset');
  const outputContainer = uniqueName('static');
  const accountId = accountIdOf(name);

  const start = async (request: Partial<StorageOnlyMigrationRequest>, id: string) => {
    await world.host.runtime.client.startNew(OrchestrationNames.accountMigration, {
      instanceId: id,
      input: {
        accountId,
        targets: ['static'],
        extensionPolicy: 'never',
        requireApproval: false,
        targetOptions: { static: { outputContainer } },
        storageOnly: { storageAccount: store, container },
        ...request,
      } satisfies StorageOnlyMigrationRequest,
    });
    await world.host.runtime.runUntilIdle();
    const record = await world.host.runtime.getRecord(id);
    return {
      status: record?.runtimeStatus,
      summary: record?.output ? (JSON.parse(record.output) as MigrationSummary) : undefined,
    };
  };

  const outputBlobs = async () => {
    const out = world.host.deps.mediaStorage.container(store, outputContainer);
    const blobs: Array<{ name: string; etag?: string }> = [];
    for await (const b of out.listBlobsFlat())
      blobs.push({ name: b.name, etag: b.properties.etag });
    return blobs;
  };

  const blobCreated = (blob: string): BlobEventInput => ({
    id: `${store}/${container}/${blob}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: `/blobServices/default/containers/${container}/blobs/${blob}`,
    topic: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${store}`,
    eventTime: new Date(START).toISOString(),
    data: { url: `https://${store}.blob.core.windows.net/${container}/${blob}`, api: 'PutBlob' },
  });

  beforeAll(async () => {
    world = await startWorld({
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name,
          // Long past retirement and the read-only year: the service has deleted it.
          retirementDate: new Date(START - 500 * DAY).toISOString(),
          assets: [{ name: 'lecture', properties: { container }, files: 'sample' }],
        },
      ],
    });
  }, 60_000);
  afterAll(() => world?.stop());

  it('a blob event for the deleted account starts it: the container is packaged, outcome storage-only', async () => {
    // The account's own instance finds it gone (the emulator answers 404).
    await world.migrate(name, {
      targets: ['static'],
      targetOptions: { static: { outputContainer } },
    });
    await world.host.runtime.runUntilIdle();
    expect((await world.summary(name))?.outcome).toBe('account-deleted');

    const { services } = testServices({ client: world.host.runtime.client, clock: world.clock });
    await services.blobEvents.index.recordContainers(accountId, store, [container]);
    const id = storageOnlyInstanceId(accountId, store, container);
    const outcome = await handleAssetBlobEvent(services.blobEvents, blobCreated('sample.ism'));
    expect(outcome).toMatchObject({ action: 'storage-only', instanceId: id });
    await world.host.runtime.runUntilIdle();
    const record = await world.host.runtime.getRecord(id);
    const status = record?.runtimeStatus;
    const summary = record?.output ? (JSON.parse(record.output) as MigrationSummary) : undefined;
    expect(status).toBe('Completed');
    expect(summary?.outcome).toBe('storage-only');
    expect(summary?.tallies.targets.static).toMatchObject({ total: 1, done: 1, failed: 0 });
    expect(summary?.timeline.at(-1)?.what).toMatch(
      new RegExp(`storage-only migration of container ${container} .* static 1 done`),
    );
    expect(summary?.report?.htmlPath).toBeTruthy();
    // No discovery, snapshot or export: the account is gone.
    expect(summary?.snapshots).toHaveLength(0);
    expect(world.emu.admin.requests({ operation: 'streamingLocators.listContentKeys' })).toEqual(
      [],
    );

    // The ledger row of the container, with new URLs that keep the container in the path.
    const row = await world.host.deps.ledger.get(accountId, {
      kind: 'asset',
      name: container,
      target: 'static',
    });
    expect(row?.status).toBe('done');
    const blobs = await outputBlobs();
    expect(blobs.some((b) => b.name.startsWith(`${container}/`) && b.name.endsWith('.m3u8'))).toBe(
      true,
    );
    expect(blobs.some((b) => b.name.startsWith(`${container}/`) && b.name.endsWith('.mpd'))).toBe(
      true,
    );
    // The account's ledger row still belongs to the account's own instance.
    expect((await world.host.deps.ledger.getAccount(accountId))?.outcome).toBe('account-deleted');

    // The same event delivered again changes nothing.
    const again = await handleAssetBlobEvent(services.blobEvents, blobCreated('sample.ism'));
    expect(again.action).toBe('absorbed');
    await world.host.runtime.runUntilIdle();
    expect(await outputBlobs()).toEqual(blobs);
  }, 60_000);

  it('changes nothing the second time (a new event after the run finished)', async () => {
    const before = await outputBlobs();
    const { status, summary } = await start(
      {},
      `${storageOnlyInstanceId(accountId, store, container)}~again`,
    );
    expect(status).toBe('Completed');
    expect(summary?.outcome).toBe('storage-only');
    expect(summary?.tallies.targets.static).toMatchObject({ done: 1, failed: 0, skipped: 0 });
    expect(await outputBlobs()).toEqual(before);
    const direct = await migrateContainer(world.host.deps, {
      accountId,
      target: 'static',
      storageAccount: store,
      container,
      options: { outputContainer },
    });
    expect(direct).toMatchObject({ done: 0, failed: 0, alreadyDone: 1 });
  }, 60_000);

  it('ends with a clear "nothing to do" without targets', async () => {
    const { status, summary } = await start({ targets: [] }, uniqueName('storage-only-none'));
    expect(status).toBe('Completed');
    expect(summary?.outcome).toBe('storage-only');
    expect(summary?.timeline.at(-1)?.what).toMatch(/no target chosen, nothing to do/);
  }, 30_000);

  it('validates the activity input', () => {
    expect(() => parseMigrateContainerInput(null)).toThrow(/object input/);
    expect(() =>
      parseMigrateContainerInput({ accountId, target: 'static', storageAccount: store }),
    ).toThrow(/needs a container/);
  });
});
