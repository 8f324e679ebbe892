import type { AccountState } from '../../shared/pipeline/contracts';
import { simpleWindowPlanner } from '../../shared/pipeline/window-planner';

const account = (encryptedLocators: number, readOnly = false): AccountState => ({
  accountId: 'a',
  exists: true,
  readOnly,
  retirementDate: '2026-01-31T00:00:00.000Z',
  storageAccounts: [],
  observedAt: '2026-01-01T00:00:00.000Z',
  counts: {
    assets: 0,
    streamingLocators: encryptedLocators,
    encryptedLocators,
    contentKeyPolicies: 0,
    streamingPolicies: 0,
    assetFilters: 0,
    accountFilters: 0,
    streamingEndpoints: 0,
    liveEvents: 0,
    transforms: 0,
    jobs: 0,
  },
});
const base = { now: '2026-01-01T00:00:00.000Z', keyBudgetPerHour: 1200, extensionRequested: false };

describe('simpleWindowPlanner', () => {
  it('asks for the extension only when the work does not fit (auto)', () => {
    expect(
      simpleWindowPlanner({ ...base, policy: 'auto', account: account(2_000) }).requestExtension,
    ).toBe(false);
    const big = simpleWindowPlanner({ ...base, policy: 'auto', account: account(1_000_000) });
    expect(big.requestExtension).toBe(true);
    expect(big.deletionAt).toBe('2026-05-01T00:00:00.000Z');
  });

  it('follows never and always, and never asks twice or when read-only', () => {
    expect(
      simpleWindowPlanner({ ...base, policy: 'never', account: account(1e6) }).requestExtension,
    ).toBe(false);
    expect(
      simpleWindowPlanner({ ...base, policy: 'always', account: account(0) }).requestExtension,
    ).toBe(true);
    expect(
      simpleWindowPlanner({
        ...base,
        policy: 'always',
        extensionRequested: true,
        account: account(0),
      }).requestExtension,
    ).toBe(false);
    expect(
      simpleWindowPlanner({ ...base, policy: 'always', account: account(0, true) })
        .requestExtension,
    ).toBe(false);
  });
});
