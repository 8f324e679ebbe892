import { Ledger } from '../../shared/ledger/ledger';
import { accountInstanceId, storageOnlyInstanceId } from '../../shared/pipeline/instance-id';
import { handleAssetBlobEvent, type BlobEventInput } from '../../shared/triggers/blob-events';
import { handleRequestFile, RESULTS_CONTAINER } from '../../shared/triggers/request-files';
import { runtimeServices, startsOf } from './support/runtime';
import { accountArmId, SUB } from './support/services';

const topic = (storage: string) =>
  `/subscriptions/${SUB}/resourceGroups/media/providers/Microsoft.Storage/storageAccounts/${storage}`;

function blobCreated(storage: string, container: string, blob: string, at: string): BlobEventInput {
  return {
    id: `${storage}/${container}/${blob}@${at}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: `/blobServices/default/containers/${container}/blobs/${blob}`,
    topic: topic(storage),
    eventTime: at,
    data: { url: `https://${storage}.blob.core.windows.net/${container}/${blob}`, api: 'PutBlob' },
  };
}

describe('blob events on the local runtime', () => {
  const { services, tables, blobs, runtime, handled } = runtimeServices({
    debounceWindowMs: 10 * 60_000,
  });
  const deps = services.blobEvents;
  const live = accountArmId('live');
  const gone = accountArmId('gone');
  const liveInstance = accountInstanceId(live);
  const handledBy = (id: string) => handled.filter((h) => h.instanceId === id);
  afterAll(() => runtime.stop());

  beforeAll(async () => {
    await deps.index.recordStorageAccounts(live, ['livemedia']);
    await deps.index.recordStorageAccounts(gone, ['gonemedia']);
    await deps.index.recordContainers(live, 'livemedia', ['legacy-uploads']);
    await services.migrations.start(
      { accountId: live, targets: ['static'], extensionPolicy: 'auto' },
      false,
      'test',
    );
  });

  it('turns one hundred blobs of one new asset, each delivered twice, out of order, into one assets-added handling', async () => {
    const base = Date.parse('2025-03-01T10:00:00Z');
    const events = Array.from({ length: 100 }, (_, i) =>
      blobCreated(
        'livemedia',
        'asset-0001',
        `video_${i}.mp4`,
        new Date(base + i * 1000).toISOString(),
      ),
    );
    const deliveries = [...events, ...events].reverse();
    const outcomes = await Promise.all(deliveries.map((e) => handleAssetBlobEvent(deps, e)));
    expect(outcomes.filter((o) => o.action === 'assets-added')).toHaveLength(1);
    expect(outcomes.filter((o) => o.action === 'absorbed')).toHaveLength(199);

    // A late duplicate of the first blob changes nothing either.
    await handleAssetBlobEvent(deps, events[0] as BlobEventInput);
    await runtime.runUntilIdle();
    expect(handledBy(liveInstance)).toHaveLength(1);
    expect(handledBy(liveInstance)[0]?.data).toMatchObject({
      source: 'blob-event',
      storageAccount: 'livemedia',
      container: 'asset-0001',
    });

    // An hour later, new blobs in that container are a new burst: one more handling.
    const later = new Date(base + 3600_000).toISOString();
    await handleAssetBlobEvent(deps, blobCreated('livemedia', 'asset-0001', 'extra.vtt', later));
    await runtime.runUntilIdle();
    expect(handledBy(liveInstance)).toHaveLength(2);
  });

  it('routes containers an asset points to, and ignores others', async () => {
    const at = '2025-03-02T00:00:00Z';
    expect(
      await handleAssetBlobEvent(deps, blobCreated('livemedia', 'legacy-uploads', 'a.mp4', at)),
    ).toEqual({ action: 'assets-added', instanceId: liveInstance });
    expect(
      await handleAssetBlobEvent(deps, blobCreated('livemedia', 'random', 'a.mp4', at)),
    ).toMatchObject({ action: 'unknown-container' });
    expect(
      await handleAssetBlobEvent(deps, blobCreated('strangers', 'asset-9', 'a.mp4', at)),
    ).toMatchObject({ action: 'unknown-container' });
    expect(
      await handleAssetBlobEvent(deps, {
        ...blobCreated('livemedia', 'asset-1', 'a', at),
        eventType: 'Microsoft.Storage.BlobDeleted',
      }),
    ).toMatchObject({ action: 'ignored' });
    expect(
      await handleAssetBlobEvent(deps, blobCreated('gonemedia', 'asset-1', 'a', at)),
    ).toMatchObject({ action: 'not-running' });
  });

  it('finds the account of a storage account from the ledger when no sweep has recorded it', async () => {
    const portal = accountArmId('portal');
    const ledger = new Ledger(tables.ledger);
    await ledger.ensure();
    await ledger.updateAccount(portal, { exists: true, storageAccounts: 'othermedia,portalmedia' });
    const started = await services.migrations.start(
      { accountId: portal, targets: [], extensionPolicy: 'auto' },
      false,
      'test',
    );
    const outcome = await handleAssetBlobEvent(
      deps,
      blobCreated('portalmedia', 'asset-42', 'a.mp4', '2025-03-03T00:00:00Z'),
    );
    expect(outcome).toEqual({ action: 'assets-added', instanceId: started.instanceId });
    expect(await deps.index.storageAccountsOf(portal)).toEqual(['portalmedia']);
  });

  it('migrates a new container of a deleted account from storage alone, once per burst', async () => {
    const ledger = new Ledger(tables.ledger);
    await ledger.ensure();
    await ledger.updateAccount(gone, { exists: false, phase: 'done' });
    const events = Array.from({ length: 20 }, (_, i) =>
      blobCreated(
        'gonemedia',
        'asset-77',
        `f${i}.mp4`,
        `2025-08-01T00:00:${String(i).padStart(2, '0')}Z`,
      ),
    );
    const outcomes = await Promise.all(events.map((e) => handleAssetBlobEvent(deps, e)));
    const expected = storageOnlyInstanceId(gone, 'gonemedia', 'asset-77');
    expect(outcomes.filter((o) => o.action === 'storage-only')).toEqual([
      { action: 'storage-only', instanceId: expected, outcome: 'started' },
    ]);
    expect(await startsOf(runtime, expected)).toBe(1);
    expect((await runtime.client.getStatus(expected)).input).toMatchObject({
      accountId: gone.toLowerCase(),
      extensionPolicy: 'never',
      storageOnly: { storageAccount: 'gonemedia', container: 'asset-77' },
    });
  });

  it('starts the migrations a request file lists, once per content', async () => {
    const csv = [
      'subscriptionId,resourceGroup,accountName,targets,extensionPolicy',
      `${SUB},media,filea,static;mkio,never`,
      `${SUB},media,fileb,static,`,
      `${SUB},media,bad!,static,`,
    ].join('\n');
    const file = { name: 'batch1.csv', content: Buffer.from(csv) };
    const result = await handleRequestFile(services.requestFiles, file);
    expect(result).toMatchObject({ entries: 3, started: 2, invalid: 1 });
    expect(result?.results[2]).toMatchObject({ line: 4, outcome: 'invalid' });
    const filea = accountInstanceId(accountArmId('filea'));
    expect((await runtime.client.getStatus(filea)).input).toMatchObject({
      targets: ['static', 'mkio'],
      extensionPolicy: 'never',
    });
    expect(await handleRequestFile(services.requestFiles, file)).toBeUndefined();

    const json = JSON.stringify({
      targets: ['ravnur'],
      migrations: [{ accountId: accountArmId('filea') }, { accountId: accountArmId('filec') }],
    });
    const second = await handleRequestFile(services.requestFiles, {
      name: 'batch2.json',
      content: Buffer.from(json),
    });
    expect(second).toMatchObject({ entries: 2, started: 1, alreadyRunning: 1 });
    expect(await startsOf(runtime, filea)).toBe(1);

    const broken = await handleRequestFile(services.requestFiles, {
      name: 'broken.json',
      content: Buffer.from('{"migrations": ['),
    });
    expect(broken).toMatchObject({ invalid: 1 });
    expect(broken?.results[0]?.problems?.[0]).toMatch(/not valid JSON/);

    const saved = await blobs
      .getContainerClient(RESULTS_CONTAINER)
      .getBlobClient('batch2.json.result.json')
      .downloadToBuffer();
    expect(JSON.parse(saved.toString())).toMatchObject({ file: 'batch2.json', started: 1 });
  });
});
