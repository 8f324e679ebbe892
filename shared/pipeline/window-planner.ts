import type { ExtensionPolicy } from '../config';
import type { AccountState, ResourceCounts, WindowPlan } from './contracts';

/**
 * What the account orchestration asks of the window planner (shared/planner): a pure function of
 * the account as last observed, the policy and the budget, so the orchestrator can call it during
 * replay. `now` comes from the orchestration's clock.
 */
export interface PlanRequest {
  now: string;
  account: AccountState;
  /** Counts from the latest full snapshot (the account's own counts when there is none). */
  counts?: ResourceCounts;
  policy: ExtensionPolicy;
  keyBudgetPerHour: number;
  /** The extension was already asked for (never ask twice). */
  extensionRequested: boolean;
}

export type WindowPlanner = (request: PlanRequest) => WindowPlan;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A conservative stand-in until the domain planner is wired: key and secret calls at the budget,
 * a safety margin of a fifth of the work plus a day, the extension cut-off an hour before
 * read-only.
 */
export const simpleWindowPlanner: WindowPlanner = (request) => {
  const { account } = request;
  const counts = request.counts ?? account.counts;
  const keyCalls = (counts?.encryptedLocators ?? 0) + (counts?.contentKeyPolicies ?? 0);
  const exportDurationMs = Math.ceil((keyCalls / request.keyBudgetPerHour) * HOUR);
  if (!account.retirementDate) {
    return { exportDurationMs, requestExtension: false, reason: 'no retirement date is known' };
  }
  const readOnly = Date.parse(account.retirementDate);
  const plan: WindowPlan = {
    readOnlyAt: new Date(readOnly).toISOString(),
    deletionAt: new Date(readOnly + 90 * DAY).toISOString(),
    extensionCutoffAt: new Date(readOnly - HOUR).toISOString(),
    exportDurationMs,
    requestExtension: false,
    reason: '',
  };
  const now = Date.parse(request.now);
  const finishes = now + exportDurationMs * 1.2 + DAY;
  if (account.readOnly || now >= readOnly - HOUR) {
    plan.reason = 'the account is read-only or past the extension cut-off';
  } else if (request.extensionRequested) {
    plan.reason = 'the extension was already requested';
  } else if (request.policy === 'never') {
    plan.reason = 'extension policy is never';
  } else if (request.policy === 'always') {
    plan.requestExtension = true;
    plan.reason = 'extension policy is always';
  } else if (finishes > readOnly) {
    plan.requestExtension = true;
    plan.reason = `export needs ${Math.ceil(exportDurationMs / HOUR)} h and does not fit before read-only with the safety margin`;
  } else {
    plan.reason = `export needs ${Math.ceil(exportDurationMs / HOUR)} h and fits before read-only`;
  }
  return plan;
};
