import {
  DAY,
  START,
  accountIdOf,
  generatedAccount,
  keyCallsByLocator,
  ledgerRows,
  runToEnd,
  startWorld,
  storedSecrets,
  type World,
} from './support';

/**
 * Issue 5, Must show (a): an account expiring in 30 days with 2,000 encrypted locators and a key
 * budget that fits. The whole window runs on virtual time: export, watch, final snapshot,
 * deletion warning, deletion.
 */
describe('(a) 2,000 encrypted locators, expiring in 30 days, budget that fits', () => {
  let world: World;
  const name = 'fitsacct';
  const readOnlyAt = START + 30 * DAY;

  beforeAll(async () => {
    world = await startWorld({
      accounts: [generatedAccount(name, { retirementDate: readOnlyAt, assets: 2_000 })],
    });
    await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7 } });
    await runToEnd(world);
  }, 600_000);
  afterAll(() => world?.stop());

  it('ends completed, without asking for the extension', async () => {
    const summary = await world.summary(name);
    expect(summary?.outcome).toBe('completed');
    expect(summary?.extension.requested).toBe(false);
    expect(world.emu.admin.requests({ operation: 'mediaservices.update' })).toHaveLength(0);
    expect(summary?.plan?.requestExtension).toBe(false);
  });

  it('exported every content key exactly once, before read-only', async () => {
    const calls = keyCallsByLocator(world);
    expect(calls.size).toBe(2_000);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    const keys = await ledgerRows(world, name, 'contentKeys');
    expect(keys).toHaveLength(2_000);
    expect(keys.every((k) => k.status === 'done')).toBe(true);
    expect(keys.every((k) => Date.parse(k.updatedAt) < readOnlyAt)).toBe(true);
    expect((await storedSecrets(world.secretsDir)).length).toBeGreaterThanOrEqual(2_000);
  });

  it('exported every policy secret and every path before read-only', async () => {
    const secrets = await ledgerRows(world, name, 'policySecrets');
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.every((s) => s.status === 'done' && Date.parse(s.updatedAt) < readOnlyAt)).toBe(
      true,
    );
    const paths = await ledgerRows(world, name, 'paths');
    expect(paths).toHaveLength(2_000);
    expect(paths.every((p) => p.status === 'done' && Date.parse(p.updatedAt) < readOnlyAt)).toBe(
      true,
    );
    expect(paths.some((p) => p.details?.derived === true)).toBe(false);
  });

  it('watched the window: final snapshot before read-only, warning before deletion', async () => {
    const summary = await world.summary(name);
    const lines = summary!.timeline.map((e) => `${e.at} ${e.what}`);
    const final = summary!.timeline.find((e) => e.what.startsWith('final snapshot'));
    expect(final && Date.parse(final.at)).toBeLessThan(readOnlyAt);
    expect(lines.join('\n')).toMatch(/warning: the account and all its metadata will be deleted/);
    expect(summary!.tallies.keys).toMatchObject({ total: 2_000, done: 2_000, failed: 0 });
    expect(summary!.urlMap).toBeDefined();
    expect(summary!.report?.htmlPath).toBeTruthy();
    expect(accountIdOf(name)).toContain(name);
  });
});
