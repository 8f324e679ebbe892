import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { migrateAssetsBatch, parseMigrateAssetsBatchInput } from '../../shared/targets/dispatch';
import { DEFAULT_STATIC_CONTAINER, staticOptionsFor } from '../../shared/targets/static-options';
import type { AssetToMigrate } from '../../shared/targets/target';
import {
  DAY,
  START,
  accountIdOf,
  generatedAccount,
  outputTexts,
  runToEnd,
  startWorld,
  type World,
} from '../lifecycle/support';
import { testStorageConnectionString, uniqueName } from '../support/storage';

/** The ledger's per-asset rows of one target. */
async function targetRows(world: World, name: string, target: string) {
  const rows = [];
  for await (const item of world.host.deps.ledger.list(accountIdOf(name), 'asset', { target }))
    rows.push(item);
  return rows;
}

const batch = { snapshotPath: 'snapshots/x/', resource: 'assets', offset: 0, count: 2 };
const input = { accountId: accountIdOf('acct'), target: 'static', batch };

describe('migrateAssetsBatch input', () => {
  it('names what is wrong', () => {
    expect(() => parseMigrateAssetsBatchInput(null)).toThrow(/object input/);
    expect(() => parseMigrateAssetsBatchInput({ ...input, accountId: '' })).toThrow(/accountId/);
    expect(() => parseMigrateAssetsBatchInput({ ...input, target: 3 })).toThrow(/target/);
    expect(() =>
      parseMigrateAssetsBatchInput({ ...input, batch: { ...batch, resource: 'locators' } }),
    ).toThrow(/batch.resource must be "assets"/);
    expect(() =>
      parseMigrateAssetsBatchInput({ ...input, batch: { ...batch, count: -1 } }),
    ).toThrow(/batch.count/);
    expect(() => parseMigrateAssetsBatchInput({ ...input, options: { a: [] } })).toThrow(
      /options.a must be/,
    );
    expect(parseMigrateAssetsBatchInput(input)).toMatchObject({ target: 'static', batch });
  });

  it('gives the static target local defaults and rejects bad options', () => {
    const media = connectionStringMediaStorage({ mystore: testStorageConnectionString() });
    const assets = [{ storageAccountName: 'mystore' } as AssetToMigrate];
    const options = staticOptionsFor({}, assets, media);
    expect(options).toMatchObject({
      outputStorageAccount: 'mystore',
      outputContainer: DEFAULT_STATIC_CONTAINER,
      pathTemplate: '{locatorId}',
    });
    expect(options.baseUrl).toMatch(new RegExp(`/${DEFAULT_STATIC_CONTAINER}$`));
    expect(() => staticOptionsFor({ outputContianer: 'x' }, assets, media)).toThrow(
      /unknown option\(s\) outputContianer/,
    );
    expect(() => staticOptionsFor({ pathTemplate: '{nope}' }, assets, media)).toThrow(
      /unknown placeholder \{nope\}/,
    );
    expect(() => staticOptionsFor({ baseUrl: 'ftp://x' }, assets, media)).toThrow(/baseUrl/);
  });
});

/**
 * The real account orchestration on the local runtime against the AMS emulator, with the static
 * target: real media is packaged, the ledger and the URL map show the new URLs, and running the
 * same batch again does nothing.
 */
describe('account migration to the static target', () => {
  let world: World;
  const name = 'staticacct';
  const outputContainer = uniqueName('static');

  beforeAll(async () => {
    world = await startWorld({
      accounts: [
        generatedAccount(name, {
          retirementDate: START + 30 * DAY,
          assets: 2,
          realMediaAssets: 2,
          containers: 'all',
          clear: 1,
        }),
      ],
    });
    await world.migrate(name, {
      targets: ['static'],
      targetOptions: { static: { outputContainer } },
      tuning: { watchIntervalHours: 24 * 7 },
    });
    await runToEnd(world);
  }, 120_000);
  afterAll(() => world?.stop());

  it('packages the assets, records them done and maps their locators to new URLs', async () => {
    const summary = await world.summary(name);
    expect(summary?.outcome).toBe('completed');
    const rows = await targetRows(world, name, 'static');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    const urls = rows.flatMap((r) => (r.details?.urls ?? []) as Array<{ url: string }>);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    expect(urls.every((u) => u.url.includes(`/${outputContainer}/`))).toBe(true);

    // The packaged output is in the output container, under each locator's GUID.
    const out = world.host.deps.mediaStorage.container(`${name}store`, outputContainer);
    const blobs: string[] = [];
    for await (const b of out.listBlobsFlat()) blobs.push(b.name);
    expect(blobs.some((b) => b.endsWith('.m3u8'))).toBe(true);
    expect(blobs.some((b) => b.endsWith('.mpd'))).toBe(true);

    const map = summary?.urlMap;
    expect(map?.mapped).toBeGreaterThan(0);
    const text = (await outputTexts(world)).get(map!.jsonPath) ?? '';
    // Each migrated locator's old URLs lead to the static output now (HLS and DASH at least).
    const locatorIds = new Set(
      urls.map((u) => (u as { streamingLocatorId?: string }).streamingLocatorId),
    );
    for (const id of locatorIds) {
      const mapped = [...text.matchAll(/\{[^{}]*"oldUrl"[^{}]*\}/g)]
        .map((m) => m[0])
        .filter(
          (r) => r.includes(`"streamingLocatorId":"${id}"`) && r.includes(`/${outputContainer}/`),
        );
      expect(mapped.length).toBeGreaterThanOrEqual(2);
      expect(mapped.every((r) => r.includes('"target":"static"'))).toBe(true);
    }
    expect(locatorIds.size).toBe(2);
  });

  it('does nothing the second time', async () => {
    const summary = await world.summary(name);
    const snapshot = summary!.snapshots[0]!;
    const result = await migrateAssetsBatch(world.host.deps, {
      accountId: accountIdOf(name),
      target: 'static',
      batch: { snapshotPath: snapshot.path, resource: 'assets', offset: 0, count: 2 },
      options: { outputContainer },
    });
    expect(result).toMatchObject({ done: 0, failed: 0, skipped: 0, alreadyDone: 2 });
  });

  it('fails each asset with a clear reason for a target this build lacks', async () => {
    const summary = await world.summary(name);
    const snapshot = summary!.snapshots[0]!;
    const result = await migrateAssetsBatch(world.host.deps, {
      accountId: accountIdOf(name),
      target: 'mkio',
      batch: { snapshotPath: snapshot.path, resource: 'assets', offset: 0, count: 2 },
    });
    expect(result).toMatchObject({ done: 0, failed: 2 });
    const rows = await targetRows(world, name, 'mkio');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'failed')).toBe(true);
    expect(JSON.stringify(rows)).toMatch(/target mkio is not available in this build/);
  });
});
