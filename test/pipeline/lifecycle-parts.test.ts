import { pipelineActivities as act } from '../../shared/pipeline/activities';
import type { SnapshotRef } from '../../shared/pipeline/contracts';
import { EXTENSION_KEY } from '../../shared/discovery/extension';
import { loadAssetsToMigrate } from '../../shared/pipeline/assets-to-migrate';
import { LedgerKinds } from '../../shared/export/export-keys';
import type { LocatorPaths } from '../../shared/export/paths';
import { RG, SUB, accountIdOf, pipelineFixture, runBatches, type Fixture } from './support';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

const account = (name: string, days: number, extra: Record<string, unknown> = {}) => ({
  subscriptionId: SUB,
  resourceGroup: RG,
  name,
  retirementDate: new Date(START + days * DAY).toISOString(),
  generate: { assets: 20, realMediaAssets: 1, containers: 'all' as const, awkwardNames: false },
  ...extra,
});

describe('pipeline on the account lifecycle', () => {
  let fx: Fixture;

  beforeAll(async () => {
    fx = await pipelineFixture({
      start: START,
      keyBudgetPerHour: 1200,
      storageAccounts: [
        'readonlyacctstore',
        'flakyacctstore',
        'extendacctstore',
        'extendedacctstore',
      ],
      emulator: {
        extensionVisibleAfterMs: 30 * 60_000,
        seed: {
          accounts: [
            account('readonlyacct', 2),
            account('flakyacct', 30),
            account('extendacct', 10),
            account('extendedacct', 10, { extensionGranted: true }),
            account('resumeacct', 30, {
              assets: [
                {
                  name: 'v2-encrypted',
                  files: [{ name: 'movie.mp4', size: 64 }],
                  storageEncryption: {
                    key: 'c3RvcmFnZS1lbmNyeXB0aW9uLWtleS0xMjM0NTY=',
                    files: [
                      {
                        assetFileName: 'movie.mp4',
                        assetFileId: 'f1',
                        initializationVector: '1234567890',
                      },
                    ],
                  },
                },
              ],
            }),
          ],
        },
      },
    });
  });
  afterAll(() => fx?.stop());

  it('on a read-only account: snapshots by GETs, derives the paths listPaths gave, reports the keys missing', async () => {
    const accountId = accountIdOf('readonlyacct');
    const before = await act.takeSnapshot(fx.deps, { accountId });
    const batches = await act.planBatches(fx.deps, {
      snapshot: before,
      resource: 'streamingLocators',
      batchSize: 50,
    });
    // What the service listed while it could (kept aside to compare).
    const listed = new Map<string, LocatorPaths>();
    for await (const page of fx.client.streamingLocators.list(RG, 'readonlyacct').byPage()) {
      for (const l of page) {
        const p = await fx.client.streamingLocators.listPaths(RG, 'readonlyacct', l.name ?? '');
        listed.set(l.name ?? '', {
          streamingPaths: (p.streamingPaths ?? []).map((s) => ({
            ...s,
            streamingProtocol: s.streamingProtocol as 'Hls',
            paths: s.paths ?? [],
          })),
          downloadPaths: p.downloadPaths ?? [],
          derived: false,
        });
      }
    }

    fx.clock.advanceTo(START + 3 * DAY);
    const state = await act.discoverAccount(fx.deps, { accountId });
    expect(state.readOnly).toBe(true);
    const writesBefore = fx.emu.admin.requests().filter((r) => r.method !== 'GET').length;
    const snapshot = await act.takeSnapshot(fx.deps, { accountId });
    expect(snapshot.readOnly).toBe(true);
    expect(snapshot.unreadable).toEqual([]);
    expect(snapshot.counts.streamingLocators).toBe(before.counts.streamingLocators);
    expect(fx.emu.admin.requests().filter((r) => r.method !== 'GET').length).toBe(writesBefore);

    const keys = await runBatches(batches, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    expect(keys.done).toBe(0);
    expect(keys.failed).toBe(snapshot.counts.encryptedLocators);
    const paths = await runBatches(batches, (batch) =>
      act.exportPathsBatch(fx.deps, { accountId, batch, derive: true }),
    );
    expect(paths.done).toBe(snapshot.counts.streamingLocators);
    expect(paths.calls).toBe(0);
    for (const [name, expected] of listed) {
      const item = await fx.deps.ledger.get(accountId, { kind: LedgerKinds.paths, name });
      const got = item?.details as unknown as LocatorPaths;
      expect(got.derived).toBe(true);
      expect({ s: got.streamingPaths, d: got.downloadPaths }).toEqual({
        s: expected.streamingPaths,
        d: expected.downloadPaths,
      });
    }

    const map = await act.buildUrlMap(fx.deps, { accountId, snapshot });
    expect(map.derived).toBe(map.rows);
    const report = await act.writeReport(fx.deps, { accountId, snapshot, urlMap: map });
    const body = JSON.parse(
      (await fx.deps.output.getBlobClient(report.jsonPath).downloadToBuffer()).toString('utf8'),
    ) as {
      missingTotal: number;
      missing: Array<{ kind: string; reason: string }>;
      secured: { paths: { derived: number } };
    };
    expect(body.missingTotal).toBe(snapshot.counts.encryptedLocators);
    expect(body.missing[0]?.kind).toBe('contentKeys');
    expect(body.missing[0]?.reason).toMatch(/read-only/i);
    expect(body.secured.paths.derived).toBe(snapshot.counts.streamingLocators);
  });

  it('with 429s, 5xx answers and dropped connections: the same complete export', async () => {
    const accountId = accountIdOf('flakyacct');
    const snapshotClean = await act.takeSnapshot(fx.deps, { accountId });
    fx.emu.admin.setBudgets({ contentKeys: { limit: 600, perMs: 3_600_000, burst: 1 } });
    fx.emu.admin.setFaults([
      { operation: 'streamingLocators.listContentKeys', status: 503, count: 4, skip: 1 },
      { operation: 'streamingLocators.listContentKeys', drop: true, count: 2, skip: 3 },
      { operation: 'streamingLocators.listPaths', status: 500, count: 3 },
      { operation: 'streamingLocators.listPaths', drop: true, count: 3, skip: 5 },
      { operation: 'assets.list', status: 502, count: 1 },
      { operation: 'contentKeyPolicies.getPolicyPropertiesWithSecrets', status: 504, count: 1 },
    ]);
    try {
      const snapshot: SnapshotRef = await act.takeSnapshot(fx.deps, { accountId });
      expect(snapshot.counts).toEqual(snapshotClean.counts);
      const locators = await act.planBatches(fx.deps, {
        snapshot,
        resource: 'streamingLocators',
        batchSize: 10,
      });
      const policies = await act.planBatches(fx.deps, {
        snapshot,
        resource: 'contentKeyPolicies',
        batchSize: 10,
      });
      const p = await runBatches(policies, (batch) =>
        act.exportKeysBatch(fx.deps, { accountId, batch }),
      );
      const k = await runBatches(locators, (batch) =>
        act.exportKeysBatch(fx.deps, { accountId, batch }),
      );
      const paths = await runBatches(locators, (batch) =>
        act.exportPathsBatch(fx.deps, { accountId, batch }),
      );
      expect([p.failed, k.failed, paths.failed]).toEqual([0, 0, 0]);
      expect(p.done).toBe(snapshot.counts.contentKeyPolicies);
      expect(k.done).toBe(snapshot.counts.encryptedLocators);
      expect(paths.done).toBe(snapshot.counts.streamingLocators);
      const throttled = fx.emu.admin.requests({
        operation: 'streamingLocators.listContentKeys',
        status: 429,
      });
      expect(throttled.length).toBeGreaterThan(0);
      expect(k.calls).toBeGreaterThan(k.done);
    } finally {
      fx.emu.admin.clearFaults();
    }
  });

  it('after calls that failed for good, a re-run calls only what is not finished', async () => {
    const accountId = accountIdOf('resumeacct');
    const snapshot = await act.takeSnapshot(fx.deps, { accountId });
    const locators = await act.planBatches(fx.deps, {
      snapshot,
      resource: 'streamingLocators',
      batchSize: 50,
    });
    // 40 failures in a row: the first locators (4 in flight) exhaust their 8 attempts.
    fx.emu.admin.setFaults([
      { operation: 'streamingLocators.listContentKeys', status: 500, count: 40 },
    ]);
    const first = await runBatches(locators, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    fx.emu.admin.clearFaults();
    expect(first.failed).toBeGreaterThanOrEqual(1);
    expect(first.done + first.failed).toBe(snapshot.counts.encryptedLocators);
    const ok = (r: { status: number }) => r.status === 200;
    const okBefore = fx.emu.admin
      .requests({ operation: 'streamingLocators.listContentKeys' })
      .filter(ok).length;
    const second = await runBatches(locators, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    expect(second.done).toBe(first.failed);
    expect(second.failed).toBe(0);
    const calls = fx.emu.admin.requests({ operation: 'streamingLocators.listContentKeys' });
    expect(calls.filter(ok).length - okBefore).toBe(first.failed);
    // No locator was answered 200 twice.
    const answered = calls.filter(ok).map((r) => r.path);
    expect(new Set(answered).size).toBe(answered.length);

    // The v2 storage-encryption key is secured too, and reaches the target input.
    const assets = await act.planBatches(fx.deps, { snapshot, resource: 'assets', batchSize: 100 });
    const storage = await runBatches(assets, (batch) =>
      act.exportKeysBatch(fx.deps, { accountId, batch }),
    );
    expect(storage.done).toBe(1);
    const inputs = (
      await Promise.all(assets.map((b) => loadAssetsToMigrate(fx.deps, accountId, b)))
    ).flat();
    const v2 = inputs.find((a) => a.assetName === 'v2-encrypted');
    expect(v2?.storageEncryptionSecret).toBeDefined();
    expect(await fx.deps.secrets.get(v2?.storageEncryptionSecret ?? '')).toContain(
      'c3RvcmFnZS1lbmNyeXB0aW9uLWtleS0xMjM0NTY=',
    );
  });

  it('asks for the extension once, confirms it from the header, and records a refusal', async () => {
    const accountId = accountIdOf('extendacct');
    const first = await act.requestExtension(fx.deps, { accountId });
    expect(first).toMatchObject({
      sentNow: true,
      requested: true,
      accepted: true,
      confirmed: false,
    });
    expect(first.answer).toBe('HTTP 202');
    fx.clock.advanceTo(fx.clock.now() + 31 * 60_000);
    const second = await act.requestExtension(fx.deps, { accountId });
    expect(second).toMatchObject({ sentNow: false, accepted: true, confirmed: true });
    expect(Date.parse(second.retirementDate ?? '')).toBe(
      Date.parse(first.retirementDateBefore ?? '') + 30 * DAY,
    );
    const patches = fx.emu.admin
      .requests()
      .filter((r) => r.method === 'PATCH' && /extendacct$/i.test(r.path));
    expect(patches).toHaveLength(1);
    expect((await fx.deps.ledger.getAccount(accountId))?.extensionGranted).toBe(true);

    const refusedId = accountIdOf('extendedacct');
    const refused = await act.requestExtension(fx.deps, { accountId: refusedId });
    expect(refused).toMatchObject({ sentNow: true, requested: true, accepted: false });
    expect(refused.answer).toMatch(/RetirementExtensionAlreadyGranted/);
    expect((await fx.deps.ledger.get(refusedId, EXTENSION_KEY))?.status).toBe('failed');
    const again = await act.requestExtension(fx.deps, { accountId: refusedId });
    expect(again.sentNow).toBe(false);
  });

  it('on a deleted account: a clear result, no crash', async () => {
    const accountId = accountIdOf('readonlyacct');
    fx.clock.advanceTo(START + 95 * DAY);
    const state = await act.discoverAccount(fx.deps, { accountId });
    expect(state).toMatchObject({ exists: false, readOnly: false, storageAccounts: [] });
    await expect(act.takeSnapshot(fx.deps, { accountId })).rejects.toThrow(/does not exist/);
    const missing = await act.discoverAccount(fx.deps, { accountId: accountIdOf('neverexisted') });
    expect(missing.exists).toBe(false);
  });

  it('rejects malformed activity inputs with errors that name the field', async () => {
    await expect(act.discoverAccount(fx.deps, {})).rejects.toThrow(/accountId/);
    await expect(
      act.exportKeysBatch(fx.deps, { accountId: accountIdOf('x'), batch: { offset: 1 } }),
    ).rejects.toThrow(/batch/);
    await expect(
      act.planBatches(fx.deps, {
        snapshot: { path: 'p', counts: { a: 3 } },
        resource: 'a',
        batchSize: 0,
      }),
    ).rejects.toThrow(/batchSize/);
    expect(
      await act.planBatches(fx.deps, {
        snapshot: { path: 'p', counts: { a: 5 } },
        resource: 'a',
        batchSize: 2,
      }),
    ).toEqual([
      { snapshotPath: 'p', resource: 'a', offset: 0, count: 2 },
      { snapshotPath: 'p', resource: 'a', offset: 2, count: 2 },
      { snapshotPath: 'p', resource: 'a', offset: 4, count: 1 },
    ]);
  });
});
