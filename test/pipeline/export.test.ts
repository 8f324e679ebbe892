import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { testStorageConnectionString } from '../support/storage';
import { pipelineActivities as act } from '../../shared/pipeline/activities';
import type { SnapshotRef } from '../../shared/pipeline/contracts';
import { readManifest } from '../../shared/snapshot/manifest';
import { tableClient } from '../../shared/storage/clients';
import { contentKeySecretName } from '../../shared/export/export-keys';
import { parseUrl } from '../../shared/urlmap/grammar';
import { ASSET_KIND } from '../../shared/urlmap/build-urlmap';
import { loadAssetsToMigrate } from '../../shared/pipeline/assets-to-migrate';
import {
  RG,
  SUB,
  accountIdOf,
  outputTexts,
  pipelineFixture,
  runBatches,
  storedSecrets,
  type Fixture,
} from './support';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

describe('pipeline activities against the AMS emulator', () => {
  let fx: Fixture;
  const name = 'lifeboatacct';
  const accountId = accountIdOf(name);

  beforeAll(async () => {
    fx = await pipelineFixture({
      start: START,
      keyBudgetPerHour: 1200,
      storageAccounts: [`${name}store`],
      emulator: {
        seed: {
          accounts: [
            {
              subscriptionId: SUB,
              resourceGroup: RG,
              name,
              retirementDate: new Date(START + 30 * DAY).toISOString(),
              generate: {
                assets: 60,
                realMediaAssets: 1,
                containers: 'all',
                assetFilterEvery: 10,
                accountFilters: 2,
              },
            },
          ],
        },
      },
    });
  });
  afterAll(() => fx?.stop());

  let snapshot: SnapshotRef;

  it('discovers the account with its retirement date from the header', async () => {
    const state = await act.discoverAccount(fx.deps, { accountId, countResources: true });
    expect(state.exists).toBe(true);
    expect(state.retirementDate).toBe(new Date(START + 30 * DAY).toISOString());
    expect(state.readOnly).toBe(false);
    expect(state.storageAccounts).toEqual([`${name}store`]);
    expect(state.counts?.assets).toBe(60);
    expect(state.counts?.encryptedLocators).toBeGreaterThan(0);
  });

  it('takes a snapshot with counts and digests that match the blobs', async () => {
    snapshot = await act.takeSnapshot(fx.deps, { accountId });
    expect(snapshot.unreadable).toEqual([]);
    expect(snapshot.readOnly).toBe(false);
    expect(snapshot.counts.assets).toBe(60);
    expect(snapshot.counts.streamingLocators).toBeGreaterThanOrEqual(60);
    expect(snapshot.counts.assetFilters).toBeGreaterThan(0);
    expect(snapshot.counts.accountFilters).toBe(2);
    const manifest = await readManifest(fx.deps.output, snapshot.path);
    for (const [type, file] of Object.entries(manifest.files)) {
      const body = await fx.deps.output
        .getBlobClient(`${snapshot.path}${file.blob}`)
        .downloadToBuffer();
      expect([type, createHash('sha256').update(body).digest('hex')]).toEqual([type, file.sha256]);
      expect(body.toString('utf8').split('\n').filter(Boolean)).toHaveLength(file.count);
    }
  });

  it('exports every key, policy secret and path, paced, and a re-run makes no key call', async () => {
    const counts = snapshot.counts;
    const locatorBatches = await act.planBatches(fx.deps, {
      snapshot,
      resource: 'streamingLocators',
      batchSize: 25,
    });
    const policyBatches = await act.planBatches(fx.deps, {
      snapshot,
      resource: 'contentKeyPolicies',
      batchSize: 25,
    });
    const started = fx.clock.now();
    const policies = await runBatches(policyBatches, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    const keys = await runBatches(locatorBatches, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    const elapsed = fx.clock.now() - started;
    expect(policies.done).toBe(counts.contentKeyPolicies);
    expect(keys.done).toBe(counts.encryptedLocators);
    expect(keys.failed + policies.failed).toBe(0);
    // Paced at 1,200 an hour: N key calls take about (N - 1) * 3 s of (virtual) time.
    const calls = keys.done + policies.done;
    expect(elapsed).toBeGreaterThanOrEqual((calls - 1) * 3_000);
    expect(elapsed).toBeLessThan((calls + 5) * 3_000);

    const paths = await runBatches(locatorBatches, (batch) =>
      act.exportPathsBatch(fx.deps, { accountId, batch }),
    );
    expect(paths.done).toBe(counts.streamingLocators);

    // The stored key equals what the service lists, and nothing is called again.
    const page = await fx.client.streamingLocators.list(RG, name).byPage().next();
    const locators = (page.value ?? []) as Array<{ name?: string }>;
    let compared = 0;
    for (const l of locators) {
      const listed = await fx.client.streamingLocators.listContentKeys(RG, name, l.name ?? '');
      for (const k of listed.contentKeys ?? []) {
        expect(await fx.deps.secrets.get(contentKeySecretName(accountId, l.name ?? '', k.id))).toBe(
          k.value,
        );
        compared += 1;
      }
      if (compared >= 3) break;
    }
    expect(compared).toBeGreaterThan(0);
    const before = fx.emu.admin.requests({ operation: 'streamingLocators.listContentKeys' }).length;
    const again = await runBatches(locatorBatches, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    expect(again.done).toBe(0);
    expect(again.alreadyDone).toBe(keys.done);
    expect(again.calls).toBe(0);
    expect(fx.emu.admin.requests({ operation: 'streamingLocators.listContentKeys' }).length).toBe(
      before,
    );
  });

  it('maps every listed path on every host, and writes a report with nothing missing', async () => {
    const map = await act.buildUrlMap(fx.deps, { accountId, snapshot });
    expect(map.rows).toBeGreaterThan(0);
    expect(map.missing).toBe(0);
    expect(map.derived).toBe(0);
    const csv = (await fx.deps.output.getBlobClient(map.csvPath).downloadToBuffer()).toString(
      'utf8',
    );
    const json = JSON.parse(
      (await fx.deps.output.getBlobClient(map.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      rows: Array<{ oldUrl: string; host: string; kind: string }>;
      hosts: Array<{ host: string; kind: string }>;
    };
    expect(csv.split('\r\n')[0]).toMatch(/^old_url,host,host_kind/);
    expect(json.rows).toHaveLength(map.rows);
    expect(json.hosts.some((h) => h.kind === 'cdn')).toBe(true);
    expect(json.hosts.some((h) => h.kind === 'custom')).toBe(true);
    // Every old URL parses back, HLS in all three flavours is there.
    for (const row of json.rows.slice(0, 500)) expect(parseUrl(row.oldUrl)?.host).toBe(row.host);
    expect(json.rows.some((r) => r.oldUrl.includes('format=m3u8-aapl-v3'))).toBe(true);
    expect(json.rows.some((r) => r.oldUrl.includes('format=mpd-time-cmaf'))).toBe(true);

    const report = await act.writeReport(fx.deps, { accountId, snapshot, urlMap: map });
    const body = JSON.parse(
      (await fx.deps.output.getBlobClient(report.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      missingTotal: number;
      secured: Record<string, { done: number }>;
    };
    expect(body.missingTotal).toBe(0);
    expect(body.secured.contentKeys?.done).toBe(snapshot.counts.encryptedLocators);
    const html = (await fx.deps.output.getBlobClient(report.htmlPath).downloadToBuffer()).toString(
      'utf8',
    );
    expect(html).toContain('Everything that could be secured is secured.');
  });

  it('turns asset batches into target inputs, and joins the new URLs of a target into the URL map', async () => {
    const [batch] = await act.planBatches(fx.deps, { snapshot, resource: 'assets', batchSize: 20 });
    if (!batch) throw new Error('no asset batch');
    const assets = await loadAssetsToMigrate(fx.deps, accountId, batch);
    expect(assets).toHaveLength(20);
    const encrypted = assets.find((a) => a.locators.some((l) => l.contentKeySecrets.length > 0));
    expect(encrypted).toBeDefined();
    expect(
      assets.every((a) => a.storageAccountName === `${name}store` && a.container.length > 0),
    ).toBe(true);
    const withFilter = assets.find((a) => a.filters.some((f) => f.scope === 'asset'));
    expect(withFilter?.filters[0]?.tracks).toBeDefined();

    const asset = assets[0];
    const locator = asset?.locators[0];
    if (!asset || !locator) throw new Error('no locator');
    const newUrl = `https://new.example.com/${locator.streamingLocatorId}/main.m3u8`;
    await fx.deps.ledger.complete(
      accountId,
      { kind: ASSET_KIND, name: asset.assetName, target: 'static' },
      {
        urls: [{ streamingLocatorId: locator.streamingLocatorId, kind: 'hls', url: newUrl }],
      },
    );
    const map = await act.buildUrlMap(fx.deps, { accountId, snapshot, targets: ['static'] });
    const json = JSON.parse(
      (await fx.deps.output.getBlobClient(map.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      rows: Array<{
        oldUrl: string;
        kind: string;
        filters: string[];
        newUrl?: string;
        target?: string;
        streamingLocatorId: string;
      }>;
    };
    const hls = json.rows.filter(
      (r) => r.streamingLocatorId === locator.streamingLocatorId.toLowerCase() && r.kind === 'hls',
    );
    const unfiltered = hls.filter((r) => r.filters.length === 0);
    expect(unfiltered.length).toBeGreaterThanOrEqual(3 * 2); // three HLS flavours on at least two hosts
    expect(unfiltered.every((r) => r.newUrl === newUrl && r.target === 'static')).toBe(true);
    expect(hls.filter((r) => r.filters.length > 0).every((r) => r.newUrl === undefined)).toBe(true);
    expect(map.mapped).toBe(unfiltered.length);
  });

  it('maps the locators of a delta snapshot (assets created since) in the same map', async () => {
    fx.clock.advanceTo(fx.clock.now() + 3_600_000);
    await fx.client.assets.createOrUpdate(RG, name, 'late-asset', {
      container: 'late-asset-files',
    });
    const container = BlobServiceClient.fromConnectionString(
      testStorageConnectionString(),
    ).getContainerClient('late-asset-files');
    await container.createIfNotExists();
    const ism =
      '<?xml version="1.0"?><smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="formats" content="mp4" /></head><body><switch><video src="late.mp4" /></switch></body></smil>';
    await container.getBlockBlobClient('late.ism').upload(ism, ism.length);
    await fx.client.streamingLocators.create(RG, name, 'late-locator', {
      assetName: 'late-asset',
      streamingPolicyName: 'Predefined_ClearStreamingOnly',
    });
    const delta = await act.takeSnapshot(fx.deps, { accountId, createdAfter: snapshot.takenAt });
    expect(delta.counts.assets).toBe(1);
    expect(delta.counts.streamingLocators).toBe(1);
    const [batch] = await act.planBatches(fx.deps, {
      snapshot: delta,
      resource: 'streamingLocators',
      batchSize: 10,
    });
    if (!batch) throw new Error('no delta batch');
    expect((await act.exportPathsBatch(fx.deps, { accountId, batch })).done).toBe(1);
    const full = await act.buildUrlMap(fx.deps, { accountId, snapshot, deltas: [delta, delta] });
    const base = await act.buildUrlMap(fx.deps, { accountId, snapshot });
    const json = JSON.parse(
      (await fx.deps.output.getBlobClient(full.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      rows: Array<{ locator: string; oldUrl: string }>;
    };
    const late = json.rows.filter((r) => r.locator === 'late-locator');
    expect(late.length).toBeGreaterThan(0);
    expect(late.some((r) => r.oldUrl.includes('/late.ism/manifest(format=m3u8-aapl)'))).toBe(true);
    expect(full.rows - base.rows).toBe(late.length);
  });

  it("lists the filter combination a locator plays (filter=a;b) and maps it to a target's URL with the same set", async () => {
    fx.clock.advanceTo(fx.clock.now() + 3_600_000);
    const takenAt = new Date(fx.clock.now() - 1).toISOString();
    const filterNames: string[] = [];
    for await (const f of fx.client.accountFilters.list(RG, name)) filterNames.push(f.name ?? '');
    expect(filterNames.length).toBeGreaterThanOrEqual(2);
    const [first, second] = filterNames as [string, string];
    await fx.client.assets.createOrUpdate(RG, name, 'combo-asset', {
      container: 'combo-asset-files',
    });
    const container = BlobServiceClient.fromConnectionString(
      testStorageConnectionString(),
    ).getContainerClient('combo-asset-files');
    await container.createIfNotExists();
    const ism =
      '<?xml version="1.0"?><smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="formats" content="mp4" /></head><body><switch><video src="combo.mp4" /></switch></body></smil>';
    await container.getBlockBlobClient('combo.ism').upload(ism, ism.length);
    // The locator's own order (second before first) is the one its URLs use.
    const created = await fx.client.streamingLocators.create(RG, name, 'combo-locator', {
      assetName: 'combo-asset',
      streamingPolicyName: 'Predefined_ClearStreamingOnly',
      filters: [second, first],
    });
    const locatorId = created.streamingLocatorId ?? '';
    const delta = await act.takeSnapshot(fx.deps, { accountId, createdAfter: takenAt });
    expect(delta.counts.streamingLocators).toBe(1);
    const [batch] = await act.planBatches(fx.deps, {
      snapshot: delta,
      resource: 'streamingLocators',
      batchSize: 10,
    });
    if (!batch) throw new Error('no delta batch');
    expect((await act.exportPathsBatch(fx.deps, { accountId, batch })).done).toBe(1);
    // The target stored the combination in the other order: the same set matches.
    const comboUrl = `https://new.example.com/${locatorId}/combo.m3u8`;
    await fx.deps.ledger.complete(
      accountId,
      { kind: ASSET_KIND, name: 'combo-asset', target: 'static' },
      {
        urls: [
          { streamingLocatorId: locatorId, kind: 'hls', url: comboUrl, filters: [first, second] },
        ],
      },
    );
    const map = await act.buildUrlMap(fx.deps, {
      accountId,
      snapshot,
      deltas: [delta],
      targets: ['static'],
    });
    const json = JSON.parse(
      (await fx.deps.output.getBlobClient(map.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      rows: Array<{
        locator: string;
        oldUrl: string;
        kind: string;
        filters: string[];
        newUrl?: string;
      }>;
    };
    const rows = json.rows.filter((r) => r.locator === 'combo-locator' && r.kind === 'hls');
    const combined = rows.filter((r) => r.filters.length === 2);
    expect(combined.length).toBeGreaterThanOrEqual(3 * 2); // three HLS flavours on two hosts or more
    expect(combined.every((r) => r.filters.join(';') === `${second};${first}`)).toBe(true);
    expect(combined.every((r) => r.oldUrl.includes(`filter=${second};${first}`))).toBe(true);
    expect(combined.every((r) => r.newUrl === comboUrl)).toBe(true);
    // Single-filter rows are still there, each once, and not mapped to the combination's URL.
    for (const f of [first, second]) {
      const single = rows.filter((r) => r.filters.length === 1 && r.filters[0] === f);
      expect(single).toHaveLength(combined.length);
      expect(single.every((r) => r.newUrl === undefined)).toBe(true);
    }
    expect(new Set(rows.map((r) => r.oldUrl)).size).toBe(rows.length);
  });

  it('leaves no secret value in any snapshot file, URL map, report, ledger row or log line', async () => {
    const secrets = (await storedSecrets(fx.secretsDir))
      .flatMap((s) => {
        // Policy secrets are whole JSON documents: look for each secret field inside them.
        if (s.startsWith('{'))
          return [
            ...s.matchAll(/"(?:keyValue|ask|fairPlayPfx|fairPlayPfxPassword)"\s*:\s*"([^"]{8,})"/g),
          ].map((m) => m[1] ?? '');
        return [s];
      })
      .filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThan(snapshot.counts.encryptedLocators ?? 0);
    const texts = [...(await outputTexts(fx.deps)).values()];
    const table = tableClient(fx.deps.config.storage, fx.deps.config.ledgerTable);
    for await (const entity of table.listEntities()) texts.push(JSON.stringify(entity));
    texts.push(...fx.logs);
    const leaks = secrets.filter((secret) => texts.some((t) => t.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
