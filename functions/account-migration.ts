/**
 * Registers the account migration orchestration (orchestrators/account-migration.ts) with the
 * window planner it calls during replay.
 */
import { createAccountMigration } from '../orchestrators/account-migration';
import { OrchestrationNames } from '../shared/pipeline/contracts';
import { domainWindowPlanner } from '../shared/pipeline/window-planner';
import { defineOrchestration } from './registry';

export const accountMigrationOrchestration = defineOrchestration(
  OrchestrationNames.accountMigration,
  createAccountMigration({ planWindow: domainWindowPlanner }),
);
