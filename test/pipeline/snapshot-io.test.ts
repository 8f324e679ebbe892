import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalSecretStore } from '../../shared/secrets';
import { NdjsonBlobWriter } from '../../shared/snapshot/ndjson-writer';
import { readNdjson } from '../../shared/snapshot/ndjson-reader';
import { moveSecrets } from '../../shared/snapshot/secret-fields';
import { testStorageConnectionString, uniqueName } from '../support/storage';

describe('NDJSON snapshot files', () => {
  it('streams records in small blocks and reads any slice through the index', async () => {
    const container = BlobServiceClient.fromConnectionString(
      testStorageConnectionString(),
    ).getContainerClient(uniqueName('ndjson'));
    await container.create();
    const blob = container.getBlockBlobClient('assets.ndjson');
    const writer = new NdjsonBlobWriter(blob, { blockBytes: 4096, indexEvery: 100 });
    for (let i = 0; i < 2_345; i++)
      await writer.write({ name: `asset-${i}`, n: i, text: 'ü'.repeat(i % 7) });
    const summary = await writer.close();
    expect(summary.count).toBe(2_345);
    expect(summary.index).toHaveLength(24);
    const blocks = await blob.getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBeGreaterThan(10);

    const slice: number[] = [];
    for await (const r of readNdjson<{ n: number }>(container.getBlobClient('assets.ndjson'), {
      offset: 1_234,
      count: 150,
      index: summary.index,
    }))
      slice.push(r.n);
    expect(slice).toEqual(Array.from({ length: 150 }, (_, i) => 1_234 + i));
    const tail: number[] = [];
    for await (const r of readNdjson<{ n: number }>(container.getBlobClient('assets.ndjson'), {
      offset: 2_340,
      count: 100,
      index: summary.index,
    }))
      tail.push(r.n);
    expect(tail).toEqual([2_340, 2_341, 2_342, 2_343, 2_344]);
  });

  it('moves secret values found in GET data to the secret store and keeps a reference', async () => {
    const store = new LocalSecretStore(join(await mkdtemp(join(tmpdir(), 'snap-secrets-')), 's'));
    const record = {
      name: 'policy1',
      created: new Date('2024-01-01T00:00:00Z'),
      contentKeys: [{ id: 'k1', value: 'c2VjcmV0LWtleS12YWx1ZQ==' }],
      options: [
        { restriction: { primaryVerificationKey: { keyValue: new Uint8Array([1, 2, 3, 4]) } } },
      ],
      tracks: [{ trackSelections: [{ property: 'Type', operation: 'Equal', value: 'Audio' }] }],
    };
    const { record: safe, secrets } = await moveSecrets(record, store, ['acct', 'policy1']);
    const text = JSON.stringify(safe);
    expect(secrets).toHaveLength(2);
    expect(text).not.toContain('c2VjcmV0LWtleS12YWx1ZQ==');
    expect(text).not.toContain('AQIDBA==');
    expect(text).toContain('"value":"Audio"');
    expect(text).toContain('"created":"2024-01-01T00:00:00.000Z"');
    expect(await store.get(secrets[0] ?? '')).toBe('c2VjcmV0LWtleS12YWx1ZQ==');
    expect(await store.get(secrets[1] ?? '')).toBe('AQIDBA==');
  });
});
