import { urlsForLedger, urlsFromLedger } from '../../shared/targets/ledger-urls';
import type { NewUrl } from '../../shared/targets/target';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { testStorageConnectionString, uniqueName } from '../support/storage';

const url = (i: number): NewUrl => ({
  streamingLocatorId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
  kind: 'hls',
  filters: [`filter-${i}`],
  url: `https://cdn.example/static/${i}/manifest(filter-${i}).m3u8`,
});

describe('new URLs in ledger rows', () => {
  const mediaStorage = connectionStringMediaStorage({ media: testStorageConnectionString() });

  it('keeps a short list inline and a long one in a blob the URL map can read back', async () => {
    const container = mediaStorage.container('media', uniqueName('out'));
    await container.create();
    const output = { storageAccount: 'media', container, blob: 'asset-1/.lifeboat.urls.json' };

    const short = [url(1), url(2)];
    const inline = await urlsForLedger(short, output);
    expect(inline).toEqual({ urls: short });
    expect(await urlsFromLedger(inline, mediaStorage)).toEqual(short);

    const long = Array.from({ length: 400 }, (_, i) => url(i));
    const stored = await urlsForLedger(long, output);
    expect(stored).toEqual({
      urlsBlob: { storageAccount: 'media', container: container.containerName, blob: output.blob },
    });
    expect(JSON.stringify(stored).length).toBeLessThan(200);
    expect(await urlsFromLedger(JSON.parse(JSON.stringify(stored)), mediaStorage)).toEqual(long);
  });

  it('drops malformed entries and reads nothing from empty details', async () => {
    expect(await urlsFromLedger(undefined, mediaStorage)).toEqual([]);
    expect(
      await urlsFromLedger({ urls: [url(1), { url: 'x' }, 'nonsense', null] }, mediaStorage),
    ).toEqual([url(1)]);
  });
});
