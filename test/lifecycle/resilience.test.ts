import type { Fault } from '../../emulators/ams';
import {
  DAY,
  START,
  expectSecuredBeforeReadOnly,
  fitsAccount,
  generatedAccount,
  keyCallsByLocator,
  ledgerRows,
  outputTexts,
  runToEnd,
  startWorld,
  storedSecrets,
  secretValues,
} from './support';

/** Issue 5, Must show (e), the 10% failure run, and the secret scan. */

/** Waits until the emulator has seen no request for `quietMs` (real time). */
async function settle(world: Awaited<ReturnType<typeof startWorld>>, quietMs = 300) {
  let seen = -1;
  for (;;) {
    const now = world.emu.admin.requests().length;
    if (now === seen) return;
    seen = now;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

describe('(e, in-process) the host stops during the key export', () => {
  it('resumes from its stored state, repeats no finished key call and loses nothing', async () => {
    const name = 'killedacct';
    const world = await startWorld({
      accounts: [generatedAccount(name, { retirementDate: START + 30 * DAY, assets: 300 })],
    });
    try {
      await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7, keyBatchSize: 20 } });
      const running = world.host.runtime.runUntilIdle();
      while (keyCallsByLocator(world).size < 100) await new Promise((r) => setTimeout(r, 10));
      // The process goes away mid-export: its runtime stops taking work; what it was doing ends.
      await world.host.stop();
      await running;
      await settle(world);
      const finishedBefore = (await ledgerRows(world, name, 'contentKeys'))
        .filter((k) => k.status === 'done')
        .map((k) => k.name);
      expect(finishedBefore.length).toBeGreaterThanOrEqual(100);
      expect(finishedBefore.length).toBeLessThan(300);
      const callsBefore = keyCallsByLocator(world);

      // A new process on the same storage picks it up.
      await world.restart();
      await runToEnd(world);
      const summary = await world.summary(name);
      expect(summary?.outcome).toBe('completed');
      const calls = keyCallsByLocator(world);
      expect(calls.size).toBe(300);
      // No locator whose keys were already exported was asked again.
      for (const [path, n] of callsBefore) expect(calls.get(path)).toBe(n);
      // A call the stopped host had in flight (parked on the shared virtual clock) may still be
      // answered once more: at most one key batch, and never for a locator already done.
      const repeated = [...calls.entries()].filter(([, n]) => n > 1);
      expect(repeated.length).toBeLessThanOrEqual(20);
      for (const [path, n] of repeated) {
        expect(n).toBe(2);
        expect(finishedBefore.some((locator) => path.includes(`/${locator}/`))).toBe(false);
      }
      const keys = await ledgerRows(world, name, 'contentKeys');
      expect(keys.filter((k) => k.status === 'done')).toHaveLength(300);
      // The batch in flight at the stop finished in the old process; the resumed run finds its
      // locators done in the ledger and reports them as alreadyDone, which the tally counts once.
      expect(summary!.tallies.keys.done).toBe(300);
      expect(summary!.tallies.keys.failed).toBe(0);
    } finally {
      await world.stop();
    }
  }, 300_000);
});

/** Every tenth ARM request fails: 503, 500 or a dropped connection, in turn (deterministic). */
function everyTenthRequestFails(requests: number): Fault[] {
  const kinds: Array<Pick<Fault, 'status' | 'drop'>> = [
    { status: 503 },
    { status: 500 },
    { drop: true },
  ];
  // Fault k is consulted by every request the earlier faults let through: it hits request 10(k+1).
  return Array.from({ length: Math.ceil(requests / 10) }, (_, k) => ({
    operation: '*',
    ...kinds[k % kinds.length],
    skip: 9 * k + 9,
    count: 1,
  }));
}

describe('(a) again, with 10% of the calls failing (429, 5xx, dropped connections)', () => {
  it('reaches the same final result as (a), and no secret appears in any output', async () => {
    const name = 'flakyacct';
    const readOnlyAt = START + 30 * DAY;
    const world = await startWorld({
      accounts: [fitsAccount(name, readOnlyAt)],
      faults: everyTenthRequestFails(40_000),
      // The service allows a little less than the pipeline paces to: some calls answer 429.
      emulatorKeyBudgetPerHour: 1000,
    });
    try {
      await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7 } });
      await runToEnd(world);
      const byStatus: Record<string, number> = {};
      for (const c of Object.values(world.emu.admin.counts()))
        for (const [status, n] of Object.entries(c.byStatus))
          byStatus[status] = (byStatus[status] ?? 0) + n;
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      const failed = ['dropped', '0', '429', '500', '503'].reduce(
        (n, k) => n + (byStatus[k] ?? 0),
        0,
      );
      // Every tenth request meets a fault; a third of them are dropped connections, which the
      // emulator does not count, so the counted failures (5xx and 429) are a little lower.
      expect(failed / total).toBeGreaterThanOrEqual(0.06);
      expect(byStatus['503']).toBeGreaterThan(0);
      expect(byStatus['500']).toBeGreaterThan(0);
      expect(byStatus['429']).toBeGreaterThan(0);
      await expectSecuredBeforeReadOnly(world, name, readOnlyAt);

      // The secret scan: every value the secret store holds, against every output.
      const summary = await world.summary(name);
      const secrets = await storedSecrets(world.secretsDir);
      const values = [...new Set(secrets.flatMap(secretValues))];
      expect(values.length).toBeGreaterThanOrEqual(2_000);
      const outputs = await outputTexts(world);
      const record = await world.host.runtime.getRecord(summary!.instanceId);
      const places: Array<[string, string]> = [
        ...[...outputs].map(([path, text]): [string, string] => [path, text]),
        ['log lines', world.logs.join('\n')],
        ['custom status', record?.customStatus ?? ''],
        ['orchestration output', record?.output ?? ''],
      ];
      expect(places.some(([p]) => p.endsWith('manifest.json'))).toBe(true);
      expect(places.some(([p]) => /url/i.test(p) && p.endsWith('.csv'))).toBe(true);
      expect(places.some(([p]) => p.endsWith('.html'))).toBe(true);
      for (const [place, text] of places) {
        const leaked = values.filter((v) => text.includes(v));
        expect({ place, leaked }).toEqual({ place, leaked: [] });
      }
    } finally {
      await world.stop();
    }
  }, 300_000);
});
