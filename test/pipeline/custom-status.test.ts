import {
  buildCustomStatus,
  CUSTOM_STATUS_LIMIT_BYTES,
  statusBytes,
} from '../../shared/pipeline/custom-status';
import type { MigrationRequest } from '../../shared/pipeline/contracts';
import {
  enqueueSnapshotWork,
  initialState,
  recordFailure,
} from '../../shared/pipeline/migration-state';
import { defaultTuning } from '../../shared/pipeline/tuning';

const request: MigrationRequest = {
  accountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct',
  targets: ['static'],
  extensionPolicy: 'auto',
};

describe('custom status', () => {
  it('shows phase, counts, deadlines and the next wake-up', () => {
    const state = initialState(request, 'i', '2026-01-01T00:00:00.000Z');
    state.phase = 'watch';
    state.account = {
      accountId: request.accountId,
      exists: true,
      readOnly: false,
      retirementDate: '2026-02-01T00:00:00.000Z',
      storageAccounts: ['media1'],
      observedAt: '2026-01-01T00:00:00.000Z',
    };
    state.plan = {
      readOnlyAt: '2026-02-01T00:00:00.000Z',
      deletionAt: '2026-05-02T00:00:00.000Z',
      extensionCutoffAt: '2026-01-31T23:00:00.000Z',
      exportDurationMs: 3_600_000,
      requestExtension: false,
      reason: 'fits',
    };
    state.nextWakeUpAt = '2026-01-02T00:00:00.000Z';
    enqueueSnapshotWork(
      state,
      {
        path: 'p/',
        takenAt: 't',
        counts: { streamingLocators: 40 },
        unreadable: [],
        readOnly: false,
      },
      request,
      defaultTuning,
      { readOnly: false, targets: true },
    );
    const status = buildCustomStatus(state);
    expect(status).toMatchObject({
      phase: 'watch',
      deadlines: { readOnlyAt: '2026-02-01T00:00:00.000Z', deletionAt: '2026-05-02T00:00:00.000Z' },
      nextWakeUpAt: '2026-01-02T00:00:00.000Z',
      progress: { keys: { total: 40, done: 0 }, queued: 80 },
    });
  });

  it('stays under 16 KB however much went wrong', () => {
    const state = initialState(request, 'i', '2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 10_000; i++) {
      recordFailure(state, {
        at: 'now',
        stage: 'keys',
        where: `batch ${i}`,
        error: 'e'.repeat(5_000),
      });
    }
    for (let i = 0; i < 1_000; i++)
      state.tallies.targets[`target-${'x'.repeat(200)}-${i}`] = state.tallies.keys;
    state.plan = { exportDurationMs: 0, requestExtension: true, reason: 'r'.repeat(100_000) };
    const status = buildCustomStatus(state);
    expect(statusBytes(status)).toBeLessThanOrEqual(CUSTOM_STATUS_LIMIT_BYTES);
    expect(status.failureCount).toBe(10_000);
    expect(status.lastFailures.length).toBeGreaterThan(0);
  });
});
