import { TableClient } from '@azure/data-tables';
import { BlobEventDebouncer } from '../../shared/triggers/debounce';
import { parseRequestFile } from '../../shared/triggers/request-files';
import { parseMigrationId, parseStartCommand } from '../../shared/triggers/validation';
import { storageOnlyInstanceId } from '../../shared/pipeline/instance-id';
import { parseBlobCreated } from '../../shared/triggers/blob-events';
import { testStorageConnectionString, uniqueName } from '../support/storage';
import { accountArmId, SUB } from './support/services';

const defaults = { extensionPolicy: 'auto' as const, requireApproval: true };

describe('edge validation', () => {
  it('accepts an account by parts, applies defaults and keeps target options', () => {
    const { request, restart } = parseStartCommand(
      {
        subscriptionId: SUB,
        resourceGroup: 'Media.Prod(1)',
        accountName: 'Contoso01',
        targets: ['mkio', 'mkio', 'static'],
        targetOptions: { mkio: { project: 'p1', dryRun: true } },
      },
      defaults,
    );
    expect(request).toEqual({
      accountId: `/subscriptions/${SUB}/resourcegroups/media.prod(1)/providers/microsoft.media/mediaservices/contoso01`,
      targets: ['mkio', 'static'],
      extensionPolicy: 'auto',
      requireApproval: true,
      targetOptions: { mkio: { project: 'p1', dryRun: true } },
    });
    expect(restart).toBe(false);
  });

  it('names every problem at once', () => {
    let details: string[] = [];
    try {
      parseStartCommand(
        {
          accountId: accountArmId('a1b'),
          accountName: 'x',
          targets: 'static',
          requireApproval: 'yes',
          targetOptions: { bitmovin: { key: 'v' }, static: 5 },
        },
        defaults,
      );
    } catch (error) {
      details = (error as { details: string[] }).details;
    }
    expect(details).toEqual([
      'give either accountId or subscriptionId, resourceGroup and accountName, not both',
      'targets must be a list of static, mkio, ravnur, bitmovin (an empty list exports only, without migrating)',
      'requireApproval must be true or false',
      'targetOptions.bitmovin: not one of the requested targets',
      'targetOptions.static: not one of the requested targets',
    ]);
    expect(() => parseStartCommand([1, 2], defaults)).toThrow(/JSON object/);
  });

  it('parses both kinds of migration id and refuses anything else', () => {
    const storageOnly = storageOnlyInstanceId(accountArmId('gone'), 'GoneMedia', 'asset-1');
    expect(parseMigrationId(storageOnly)).toMatchObject({
      accountId: accountArmId('gone').toLowerCase(),
      storageOnly: { storageAccount: 'gonemedia', container: 'asset-1' },
    });
    for (const bad of [
      '',
      'ams~x',
      'ams~a~b',
      'other~a~b~c',
      'ams~%E0%A4%A~b~c~d',
      'x'.repeat(500),
    ])
      expect(() => parseMigrationId(bad)).toThrow(/not a migration id/);
  });

  it('parses CSV request files with quotes, blank lines and a BOM', () => {
    const csv =
      '\uFEFFaccountId,targets,requireApproval\r\n' +
      `"${accountArmId('q1')}","static;mkio",yes\r\n\r\n` +
      `${accountArmId('q2')},ravnur,no\r\n`;
    const entries = parseRequestFile('list.csv', csv, defaults);
    expect(entries.map((e) => e.command?.request.targets)).toEqual([
      ['static', 'mkio'],
      ['ravnur'],
    ]);
    expect(entries.map((e) => e.command?.request.requireApproval)).toEqual([true, false]);
    expect(entries.map((e) => e.line)).toEqual([2, 4]);
  });

  it('reads the storage account from the topic, or from the URL (emulator style)', () => {
    const base = {
      id: '1',
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/asset-1/blobs/dir/a%20b.mp4',
    };
    expect(
      parseBlobCreated({
        ...base,
        data: { url: 'http://127.0.0.1:10000/devstoreaccount1/asset-1/a' },
      }),
    ).toMatchObject({
      storageAccount: 'devstoreaccount1',
      container: 'asset-1',
      blob: 'dir/a b.mp4',
    });
    expect(parseBlobCreated({ ...base, data: {} })).toEqual({
      ignored: 'the event names no storage account',
    });
  });
});

describe('blob-event debounce', () => {
  let now = Date.UTC(2025, 0, 1);
  const clock = { now: () => now, sleep: async () => undefined };
  const table = TableClient.fromConnectionString(testStorageConnectionString(), uniqueName('deb'), {
    allowInsecureConnection: true,
  });
  const debouncer = new BlobEventDebouncer(table, clock, 60_000, 30_000);

  it('lets a redelivery act again only when the first action stalled', async () => {
    expect(await debouncer.admit('s|c', 'e1', now)).toBe('act');
    // A concurrent duplicate of the acting event is absorbed.
    expect(await debouncer.admit('s|c', 'e1', now)).toBe('absorbed');
    // Its action never completed (the host died); Event Grid redelivers later: it acts again, once.
    now += 31_000;
    const again = await Promise.all([
      debouncer.admit('s|c', 'e1', now),
      debouncer.admit('s|c', 'e1', now),
    ]);
    expect(again.sort()).toEqual(['absorbed', 'act']);
    await debouncer.done('s|c', 'e1');
    now += 31_000;
    expect(await debouncer.admit('s|c', 'e1', Date.UTC(2025, 0, 1))).toBe('absorbed');
    // Another blob of the same burst (by event time) is absorbed; a later burst acts.
    expect(await debouncer.admit('s|c', 'e2', Date.UTC(2025, 0, 1) + 59_000)).toBe('absorbed');
    expect(await debouncer.admit('s|c', 'e3', Date.UTC(2025, 0, 1) + 61_000)).toBe('act');
  });
});
