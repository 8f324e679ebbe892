import { DAY, HOUR, planWindow, type PlanInput } from '../../shared/planner/planner';

const NOW = '2025-03-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

function input(
  overrides: Partial<PlanInput> & { days?: number; encrypted?: number } = {},
): PlanInput {
  const { days = 30, encrypted = 2_000, ...rest } = overrides;
  return {
    now: NOW,
    account: { exists: true, readOnly: false, retirementDate: at(days * DAY) },
    counts: { encryptedLocators: encrypted, contentKeyPolicies: 0, streamingLocators: encrypted },
    policy: 'auto',
    budgets: { contentKeysPerHour: 1_200, pathsPerHour: 36_000 },
    ...rest,
  };
}

describe('window planner', () => {
  it('computes the deadlines from the retirement date', () => {
    const plan = planWindow(input({ days: 30 }));
    expect(plan.readOnlyAt).toBe(at(30 * DAY));
    expect(plan.deletionAt).toBe(at(120 * DAY));
    expect(plan.extensionCutoffAt).toBe(at(29 * DAY));
  });

  it('estimates the export from the key budget and the path budget', () => {
    // 1,200 key calls at 1,200/h = 1 h; 1,200 path calls at 36,000/h = 2 min.
    const plan = planWindow(input({ encrypted: 1_200 }));
    expect(plan.keyCalls).toBe(1_200);
    expect(plan.exportDurationMs).toBe(HOUR + 2 * 60_000);
  });

  it('counts content key policies as key calls and subtracts finished work', () => {
    const plan = planWindow(
      input({
        counts: { encryptedLocators: 1_000, contentKeyPolicies: 200, streamingLocators: 1_500 },
        done: { keyCalls: 600, pathCalls: 1_500 },
      }),
    );
    expect(plan.keyCalls).toBe(600);
    expect(plan.pathCalls).toBe(0);
    expect(plan.exportDurationMs).toBe(HOUR / 2);
  });

  // auto asks exactly when the export plus margin (max(12 h, 25 %)) does not fit before read-only.
  it.each`
    case                                   | days  | encrypted    | policy      | extensionGranted | requested | readOnly | ask
    ${'2,000 keys, 30 days: fits'}         | ${30} | ${2_000}     | ${'auto'}   | ${false}         | ${false}  | ${false} | ${false}
    ${'1,000,000 keys, 30 days: too long'} | ${30} | ${1_000_000} | ${'auto'}   | ${false}         | ${false}  | ${false} | ${true}
    ${'100,000 keys, 3 days: too long'}    | ${3}  | ${100_000}   | ${'auto'}   | ${false}         | ${false}  | ${false} | ${true}
    ${'13 h of keys, 1 day left'}          | ${1}  | ${15_600}    | ${'auto'}   | ${false}         | ${false}  | ${false} | ${true}
    ${'11 h of keys, 1 day left: fits'}    | ${1}  | ${13_000}    | ${'auto'}   | ${false}         | ${false}  | ${false} | ${false}
    ${'never, does not fit'}               | ${5}  | ${100_000}   | ${'never'}  | ${false}         | ${false}  | ${false} | ${false}
    ${'always, fits'}                      | ${30} | ${10}        | ${'always'} | ${false}         | ${false}  | ${false} | ${true}
    ${'always, already granted'}           | ${30} | ${10}        | ${'always'} | ${true}          | ${false}  | ${false} | ${false}
    ${'auto, already granted'}             | ${30} | ${1_000_000} | ${'auto'}   | ${true}          | ${false}  | ${false} | ${false}
    ${'auto, already requested (refused)'} | ${30} | ${1_000_000} | ${'auto'}   | ${false}         | ${true}   | ${false} | ${false}
    ${'read-only: too late to ask'}        | ${30} | ${100_000}   | ${'auto'}   | ${false}         | ${false}  | ${true}  | ${false}
    ${'past the date: too late to ask'}    | ${-1} | ${100_000}   | ${'always'} | ${false}         | ${false}  | ${false} | ${false}
    ${'no keys at all'}                    | ${2}  | ${0}         | ${'auto'}   | ${false}         | ${false}  | ${false} | ${false}
  `(
    '$case -> ask $ask',
    ({ days, encrypted, policy, extensionGranted, requested, readOnly, ask }) => {
      const base = input({ days, encrypted, policy });
      const plan = planWindow({
        ...base,
        account: { ...base.account, extensionGranted, readOnly },
        extensionRequested: requested,
      });
      expect(plan.requestExtension).toBe(ask);
      expect(plan.reason.length).toBeGreaterThan(10);
    },
  );

  it('asks at the boundary exactly when the slack goes negative', () => {
    // Margin is max(12 h, 25 % of the export). 24 h export -> needs 30 h.
    const keys = 24 * 1_200 - 1_200 * (24 * 1_200 * (1 / 36_000)); // paths take their share
    const export24 = Math.round(keys);
    const justFits = planWindow(input({ days: 0, encrypted: export24, now: NOW }));
    expect(justFits.exportDurationMs).toBeGreaterThan(0);
    const need = justFits.exportDurationMs + Math.max(12 * HOUR, justFits.exportDurationMs * 0.25);
    const fits = planWindow({
      ...input({ encrypted: export24 }),
      account: { exists: true, readOnly: false, retirementDate: at(need) },
    });
    const short = planWindow({
      ...input({ encrypted: export24 }),
      account: { exists: true, readOnly: false, retirementDate: at(need - 1_000) },
    });
    expect(fits.requestExtension).toBe(false);
    expect(fits.fits).toBe(true);
    expect(short.requestExtension).toBe(true);
    expect(short.fits).toBe(false);
  });

  it('says when even the extended window is too short (keys go first)', () => {
    const plan = planWindow(input({ days: 10, encrypted: 1_200 * 24 * 45 }));
    expect(plan.requestExtension).toBe(true);
    expect(plan.fitsWithExtension).toBe(false);
    expect(plan.reason).toMatch(/keys and policy secrets go first/);
  });

  it('handles a deleted account and a missing date without asking', () => {
    const deleted = planWindow({ ...input(), account: { exists: false, readOnly: false } });
    expect(deleted.requestExtension).toBe(false);
    expect(deleted.reason).toMatch(/deleted/);
    const undated = planWindow({ ...input(), account: { exists: true, readOnly: false } });
    expect(undated.requestExtension).toBe(false);
    expect(undated.readOnlyAt).toBeUndefined();
  });

  it('rejects a bad time or budget', () => {
    expect(() => planWindow(input({ now: 'yesterday' }))).toThrow(/not a date/);
    expect(() => planWindow(input({ budgets: { contentKeysPerHour: 0 } }))).toThrow(/budget/);
  });
});
