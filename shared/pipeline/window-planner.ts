import type { ExtensionPolicy } from '../config';
import { planWindow } from '../planner/planner';
import type { AccountState, ResourceCounts, WindowPlan } from './contracts';

/**
 * What the account orchestration asks of the window planner: a pure function of the account as
 * last observed, the counts, the policy and the budget, so the orchestrator may call it during
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
  /** Key and path calls already done, so a re-plan counts only what is left. */
  done?: { keyCalls: number; pathCalls: number };
}

export type WindowPlanner = (request: PlanRequest) => WindowPlan;

/** The domain planner (shared/planner) behind the orchestration's planning interface. */
export const domainWindowPlanner: WindowPlanner = (request) => {
  const counts = request.counts ?? request.account.counts;
  const details = planWindow({
    now: request.now,
    account: request.account,
    counts: {
      encryptedLocators: counts?.encryptedLocators ?? 0,
      contentKeyPolicies: counts?.contentKeyPolicies ?? 0,
      streamingLocators: counts?.streamingLocators ?? 0,
    },
    policy: request.policy,
    budgets: { contentKeysPerHour: request.keyBudgetPerHour },
    done: request.done,
    extensionRequested: request.extensionRequested,
  });
  // Only the WindowPlan fields travel on (status, report, continueAsNew input).
  return {
    readOnlyAt: details.readOnlyAt,
    deletionAt: details.deletionAt,
    extensionCutoffAt: details.extensionCutoffAt,
    exportDurationMs: details.exportDurationMs,
    requestExtension: details.requestExtension,
    reason: details.reason,
  };
};
