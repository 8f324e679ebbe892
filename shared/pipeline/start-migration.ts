import { canonicalAccountId } from '../account-id';
import { OrchestrationNames, type MigrationRequest } from './contracts';
import { accountInstanceId } from './instance-id';

/**
 * Starts an account's orchestration, or finds the one already there: the instance id is derived
 * from the account, so every caller (command line, portal, timer sweep, blob event) meets the same
 * instance and none starts a second. A finished, failed or terminated instance is started afresh:
 * the ledger makes the new run skip what the old one finished.
 */

/** The part of the durable client this needs (the Functions client and the local one both fit). */
export interface MigrationClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  getStatus(instanceId: string): Promise<{ runtimeStatus: string; customStatus?: unknown }>;
}

export interface StartResult {
  instanceId: string;
  /** `started`: a new run; `running`: one was already under way; `completed`: done before, kept. */
  outcome: 'started' | 'running' | 'completed';
  runtimeStatus: string;
}

const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

function isNotFound(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /404|not found|could not find/i.test(text);
}

export async function startOrFindMigration(
  client: MigrationClient,
  request: MigrationRequest,
  options: { restartCompleted?: boolean } = {},
): Promise<StartResult> {
  const accountId = canonicalAccountId(request.accountId);
  const instanceId = accountInstanceId(accountId);
  let status: { runtimeStatus: string } | undefined;
  try {
    status = await client.getStatus(instanceId);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (status && RUNNING.has(status.runtimeStatus)) {
    return { instanceId, outcome: 'running', runtimeStatus: status.runtimeStatus };
  }
  if (status?.runtimeStatus === 'Completed' && !options.restartCompleted) {
    return { instanceId, outcome: 'completed', runtimeStatus: 'Completed' };
  }
  try {
    await client.startNew(OrchestrationNames.accountMigration, {
      instanceId,
      input: { ...request, accountId },
    });
  } catch (error) {
    // Another caller started it between our look and our start: that one is the instance.
    if (/already exists/i.test(error instanceof Error ? error.message : String(error))) {
      return { instanceId, outcome: 'running', runtimeStatus: 'Running' };
    }
    throw error;
  }
  return { instanceId, outcome: 'started', runtimeStatus: 'Pending' };
}
