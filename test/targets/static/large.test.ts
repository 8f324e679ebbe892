import { randomUUID } from 'node:crypto';
import { AZURITE_ACCOUNT } from '../../../local/azurite';
import { StaticTarget } from '../../../shared/targets/static/static-target';
import { listAllBlobs, inParallel } from '../../../shared/targets/static/transfer';
import { uniqueName } from '../../support/storage';
import { asset, locator, makeDeps, outputOptions, uploadFixture } from './helpers';

/**
 * A .ism listed after the first page must still be found (the reference tool read one page of
 * 5,000). Azurite takes minutes to store 5,000 blobs, so CI runs the same logic with a page of 50
 * and 51 blobs ahead of the asset's files; LIFEBOAT_TEST_LARGE=1 runs it at the real 5,000.
 */
const real = process.env.LIFEBOAT_TEST_LARGE === '1';
const pageSize = real ? 5_000 : 50;

describe(`static target: a container with more blobs than one listing page (${pageSize})`, () => {
  it('reads every listing page, so a .ism listed after the first page is found', async () => {
    const deps = await makeDeps();
    const container = uniqueName('asset-');
    const source = deps.mediaStorage.container(AZURITE_ACCOUNT, container);
    await uploadFixture(source, 'encoder');
    // Upper-case names sort before the asset's files: the .ism lands on the second page.
    const thumbnails = Array.from(
      { length: pageSize + 1 },
      (_, i) => `Thumbnail_${String(i).padStart(6, '0')}.jpg`,
    );
    await inParallel(thumbnails, 32, async (name) => {
      await source.getBlockBlobClient(name).uploadData(Buffer.from('x'));
    });
    const firstPage = await source.listBlobsFlat().byPage({ maxPageSize: pageSize }).next();
    const names = (firstPage.value.segment.blobItems as Array<{ name: string }>).map((b) => b.name);
    expect(names).toHaveLength(pageSize);
    expect(names.some((n) => n.endsWith('.ism'))).toBe(false);
    expect(await listAllBlobs(source, pageSize)).toHaveLength(pageSize + 1 + 6);

    const result = await new StaticTarget({
      ...outputOptions(uniqueName('out')),
      listPageSize: pageSize,
    }).migrateAsset(
      asset({ assetName: 'many thumbnails', container, locators: [locator(randomUUID())] }),
      deps,
    );
    expect(result.reason).toBeUndefined();
    expect(result.details).toMatchObject({ kind: 'encoded', tracks: 5 });
  }, 600_000);
});
