import {
  DAY,
  START,
  expectSecuredBeforeReadOnly,
  fitsAccount,
  runToEnd,
  startWorld,
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
    world = await startWorld({ accounts: [fitsAccount(name, readOnlyAt)] });
    await world.migrate(name, { tuning: { watchIntervalHours: 24 * 7 } });
    await runToEnd(world);
  }, 600_000);
  afterAll(() => world?.stop());

  it('ends completed, without asking for the extension; every key, secret and path exported once, before read-only; the window watched', async () => {
    await expectSecuredBeforeReadOnly(world, name, readOnlyAt);
  });
});
