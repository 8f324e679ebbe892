import { bar, renderAccount } from '../../local/progress';
import { buildCustomStatus } from '../../shared/pipeline/custom-status';
import { initialState } from '../../shared/pipeline/migration-state';

describe('progress bars', () => {
  it('fills in proportion and never overflows', () => {
    expect(bar(0, 10, 10)).toBe('░'.repeat(10));
    expect(bar(5, 10, 10)).toBe('█'.repeat(5) + '░'.repeat(5));
    expect(bar(50, 10, 10)).toBe('█'.repeat(10));
  });

  it('shows one block per account with a line per kind of work', () => {
    const state = initialState(
      {
        accountId:
          '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct',
        targets: ['static'],
        extensionPolicy: 'auto',
      },
      'i',
      '2026-01-01T00:00:00.000Z',
    );
    state.tallies.keys = { total: 10, done: 4, failed: 1, skipped: 0, calls: 5, waitedMs: 0 };
    const lines = renderAccount(buildCustomStatus(state), state.accountId);
    expect(lines[0]).toMatch(/^acct: discover/);
    expect(lines.find((l) => l.includes('keys'))).toMatch(/50%\s+4\/10, 1 failed/);
    expect(lines.some((l) => l.includes('static'))).toBe(true);
  });
});
