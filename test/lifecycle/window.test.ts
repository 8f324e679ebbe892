import {
  outputTexts,
  DAY,
  START,
  generatedAccount,
  keyCallsByLocator,
  ledgerRows,
  runToEnd,
  startWorld,
} from './support';

/** Issue 5, Must show (b), (c) and (d), on virtual time against the AMS emulator. */

describe('(b) a key budget that does not fit before read-only', () => {
  it('asks for the extension once and in time, and finishes inside the extended window', async () => {
    const name = 'slowacct';
    const readOnlyAt = START + 2 * DAY;
    const world = await startWorld({
      keyBudgetPerHour: 5,
      accounts: [generatedAccount(name, { retirementDate: readOnlyAt, assets: 300 })],
    });
    try {
      await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7 } });
      await runToEnd(world);
      const summary = await world.summary(name);
      expect(summary?.outcome).toBe('completed');
      const patches = world.emu.admin.requests({ operation: 'mediaservices.update' });
      expect(patches).toHaveLength(1);
      expect(Date.parse(patches[0]!.at)).toBeLessThan(readOnlyAt);
      expect(summary?.extension).toMatchObject({ requested: true, granted: true });
      const extendedReadOnly = readOnlyAt + 30 * DAY;
      expect(summary?.plan?.readOnlyAt).toBe(new Date(extendedReadOnly).toISOString());
      const keys = await ledgerRows(world, name, 'contentKeys');
      expect(keys).toHaveLength(300);
      expect(keys.every((k) => k.status === 'done')).toBe(true);
      // The work (300 calls at 5 an hour: 60 hours) outlasts the first date, not the extended one.
      const last = Math.max(...keys.map((k) => Date.parse(k.updatedAt)));
      expect(last).toBeGreaterThan(readOnlyAt);
      expect(last).toBeLessThan(extendedReadOnly);
      expect(keyCallsByLocator(world).size).toBe(300);
    } finally {
      await world.stop();
    }
  }, 300_000);
});

describe('(c) an account that is already read-only', () => {
  it('snapshots by GETs, derives the paths, and the report says what is missing', async () => {
    const name = 'lateacct';
    const world = await startWorld({
      accounts: [
        generatedAccount(name, {
          retirementDate: START - 5 * DAY,
          assets: 30,
          containers: 'all',
          realMediaAssets: 2,
        }),
      ],
    });
    try {
      await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7 } });
      await runToEnd(world);
      const summary = await world.summary(name);
      expect(summary?.outcome).toBe('completed');
      expect(summary?.snapshots[0]?.readOnly).toBe(true);
      // No POST reached the service: no key export, no listPaths, no extension.
      const posts = world.emu.admin.requests().filter((r) => r.method === 'POST');
      expect(posts.filter((r) => r.status === 200)).toHaveLength(0);
      expect(world.emu.admin.requests({ operation: 'mediaservices.update' })).toHaveLength(0);
      expect(summary?.pathsDerived).toBe(true);
      const paths = await ledgerRows(world, name, 'paths');
      expect(paths.length).toBeGreaterThan(0);
      expect(
        paths.filter((p) => p.status === 'done').every((p) => p.details?.derived === true),
      ).toBe(true);
      const report = (await outputTexts(world)).get(summary!.report!.jsonPath) ?? '';
      expect(report).toMatch(/read-only: listContentKeys is a POST and was refused/);
    } finally {
      await world.stop();
    }
  }, 300_000);
});

describe('(d) a deleted account', () => {
  it('ends with a clear result and no crash', async () => {
    const name = 'goneacct';
    const world = await startWorld({
      accounts: [generatedAccount(name, { retirementDate: START - 100 * DAY, assets: 5 })],
    });
    try {
      await world.migrate(name);
      await runToEnd(world);
      const record = await world.host.runtime.getRecord(
        (await world.host.runtime.client.getStatusBy({}))[0]!.instanceId,
      );
      expect(record?.runtimeStatus).toBe('Completed');
      const summary = await world.summary(name);
      expect(summary?.outcome).toBe('account-deleted');
      expect(summary?.timeline.at(-1)?.what).toMatch(/no longer exists \(404\)/);
      expect(summary?.report?.htmlPath).toBeTruthy();
    } finally {
      await world.stop();
    }
  }, 120_000);
});
