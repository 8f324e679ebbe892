import { blobService, tableClient } from '../../shared/storage/clients';
import { testStorageSettings, uniqueName } from '../support/storage';

describe('storage through the Azure SDKs on Azurite', () => {
  const settings = testStorageSettings();

  it('writes and reads back a blob', async () => {
    const container = blobService(settings).getContainerClient(uniqueName('found'));
    await container.create();
    const blob = container.getBlockBlobClient('dir/hello world ✓.txt');
    await blob.upload('hello', 5, { blobHTTPHeaders: { blobContentType: 'text/plain' } });

    const downloaded = await blob.downloadToBuffer();
    const props = await blob.getProperties();
    expect(downloaded.toString()).toBe('hello');
    expect(props.contentType).toBe('text/plain');
    await container.delete();
  });

  it('writes, reads and updates a table entity', async () => {
    const table = tableClient(settings, uniqueName('found'));
    await table.createTable();
    await table.createEntity({
      partitionKey: 'acct',
      rowKey: 'asset-1',
      phase: 'snapshot',
      attempts: 1,
    });
    await table.updateEntity({ partitionKey: 'acct', rowKey: 'asset-1', attempts: 2 }, 'Merge');

    const entity = await table.getEntity<{ phase: string; attempts: number }>('acct', 'asset-1');
    expect(entity.phase).toBe('snapshot');
    expect(entity.attempts).toBe(2);
    await expect(
      table.createEntity({ partitionKey: 'acct', rowKey: 'asset-1' }),
    ).rejects.toMatchObject({
      statusCode: 409,
    });
    await table.deleteTable();
  });
});
