import type { ExtensionPolicy } from '../config';
import type { AccountState, ResourceCounts, WindowPlan } from '../pipeline/contracts';

/**
 * The window planner (pure): from the expiration date, the account's state, its counts and the
 * throttle budgets, how long the export takes, the deadlines, and whether to ask for the one-time
 * extension. Facts (DESIGN §1): the account turns read-only at its expiration date (we take the
 * date itself, not "within the hour"), is deleted about 90 days later, and the extension adds 30
 * days but can only be asked for before read-only.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const READ_ONLY_PERIOD_MS = 90 * DAY;
export const EXTENSION_MS = 30 * DAY;

export interface PlanBudgets {
  /** Content-key operations per hour and account (listContentKeys, getPolicyPropertiesWithSecrets). */
  contentKeysPerHour: number;
  /** Other POSTs (listPaths) per hour: the ARM subscription write budget, shared. Default 36,000. */
  pathsPerHour?: number;
}

export interface PlanMargins {
  /** Part of the estimate added for retries and slow-downs (default 0.25). */
  fraction?: number;
  /** At least this much spare time before read-only (default 12 h). */
  minimumMs?: number;
  /** The extension must be asked this long before read-only (it takes up to an hour to show; default 24 h). */
  extensionLeadMs?: number;
}

export interface PlanInput {
  /** Now, ISO-8601 (the orchestration's current time). */
  now: string;
  account: Pick<AccountState, 'exists' | 'readOnly' | 'retirementDate' | 'extensionGranted'>;
  counts: Pick<ResourceCounts, 'encryptedLocators' | 'contentKeyPolicies' | 'streamingLocators'>;
  policy: ExtensionPolicy;
  budgets: PlanBudgets;
  /** Work already finished (from the ledger), so a re-plan counts only what is left. */
  done?: { keyCalls?: number; pathCalls?: number };
  /** True once the extension was asked for (granted or refused): it is never asked twice. */
  extensionRequested?: boolean;
  margins?: PlanMargins;
}

export interface PlanDetails extends WindowPlan {
  keyCalls: number;
  pathCalls: number;
  /** When the export would end if it started now. */
  estimatedFinishAt?: string;
  /** Spare time left before read-only after the export and the safety margin (negative: does not fit). */
  slackMs?: number;
  /** Whether the export fits before read-only (with margin) as the dates stand. */
  fits: boolean;
  /** Whether it fits in the extended window, if the extension is (or would be) granted. */
  fitsWithExtension?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function hours(ms: number): string {
  return ms >= 2 * DAY ? `${(ms / DAY).toFixed(1)} days` : `${(ms / HOUR).toFixed(1)} h`;
}

/** Time to run `calls` at `perHour`. */
function durationMs(calls: number, perHour: number): number {
  return calls <= 0 ? 0 : (calls / perHour) * HOUR;
}

export function planWindow(input: PlanInput): PlanDetails {
  const now = Date.parse(input.now);
  if (Number.isNaN(now)) throw new Error(`plan: "now" is not a date: ${input.now}`);
  const { account, counts, budgets, policy } = input;
  if (!(budgets.contentKeysPerHour > 0))
    throw new Error('plan: the content-key budget must be positive');
  const fraction = input.margins?.fraction ?? 0.25;
  const minimum = input.margins?.minimumMs ?? 12 * HOUR;
  const lead = input.margins?.extensionLeadMs ?? DAY;

  const keyCalls = Math.max(
    0,
    counts.encryptedLocators + counts.contentKeyPolicies - (input.done?.keyCalls ?? 0),
  );
  const pathCalls = Math.max(0, counts.streamingLocators - (input.done?.pathCalls ?? 0));
  const exportDurationMs = Math.ceil(
    durationMs(keyCalls, budgets.contentKeysPerHour) +
      durationMs(pathCalls, budgets.pathsPerHour ?? 36_000),
  );
  const needed = exportDurationMs + Math.max(minimum, exportDurationMs * fraction);
  const base = { exportDurationMs, keyCalls, pathCalls };

  if (!account.exists) {
    return {
      ...base,
      requestExtension: false,
      fits: false,
      reason: 'the account is deleted: nothing can be exported',
    };
  }
  const retirement = account.retirementDate ? Date.parse(account.retirementDate) : Number.NaN;
  if (Number.isNaN(retirement)) {
    return {
      ...base,
      requestExtension: false,
      fits: true,
      reason: 'the account reports no retirement date: export at the budget, no extension needed',
      estimatedFinishAt: iso(now + exportDurationMs),
    };
  }

  const readOnlyAt = retirement;
  const deletionAt = readOnlyAt + READ_ONLY_PERIOD_MS;
  const extensionCutoffAt = readOnlyAt - lead;
  const deadlines = {
    readOnlyAt: iso(readOnlyAt),
    deletionAt: iso(deletionAt),
    extensionCutoffAt: iso(extensionCutoffAt),
  };
  const estimatedFinishAt = iso(now + exportDurationMs);
  const slackMs = readOnlyAt - now - needed;
  const fits = slackMs >= 0;
  const fitsWithExtension = readOnlyAt + EXTENSION_MS - now - needed >= 0;
  const plan = { ...base, ...deadlines, estimatedFinishAt, slackMs, fits };

  if (account.readOnly || now >= readOnlyAt) {
    return {
      ...plan,
      fits: false,
      requestExtension: false,
      reason:
        'the account is read-only: keys, policy secrets and exact paths can no longer be exported; paths are derived from GET data and the .ism files',
    };
  }
  const canAsk = !account.extensionGranted && !input.extensionRequested;
  const askable = canAsk
    ? ''
    : account.extensionGranted
      ? ' (already granted)'
      : ' (already requested)';

  if (policy === 'never') {
    return {
      ...plan,
      requestExtension: false,
      reason: fits
        ? `policy never; the export (${hours(exportDurationMs)}) fits before read-only`
        : `policy never: the export (${hours(exportDurationMs)}) does not fit before read-only with margin; keys go first`,
    };
  }
  if (policy === 'always') {
    return {
      ...plan,
      fitsWithExtension,
      requestExtension: canAsk,
      reason: canAsk
        ? 'policy always: ask for the extension'
        : `policy always, but not asked again${askable}`,
    };
  }
  // auto: ask exactly when the work cannot finish before read-only with the safety margin.
  if (fits) {
    return {
      ...plan,
      requestExtension: false,
      reason: `the export (${hours(exportDurationMs)}) fits before read-only with ${hours(slackMs)} to spare`,
    };
  }
  return {
    ...plan,
    fitsWithExtension,
    requestExtension: canAsk,
    reason: canAsk
      ? `the export (${hours(exportDurationMs)} plus margin) does not fit before read-only at ${deadlines.readOnlyAt}: ask for the extension${now > extensionCutoffAt ? ' (past the usual cut-off: ask at once)' : ''}${fitsWithExtension ? '' : '; even the extended window is too short, so keys and policy secrets go first'}`
      : `the export does not fit before read-only, and the extension is not asked again${askable}`,
  };
}
