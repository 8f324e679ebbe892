import { OrchestrationNames } from './contracts';
import {
  findInstance,
  isActive,
  type InstanceStatus,
  type MigrationClient,
} from './durable-client';

/**
 * The one rule for starting an account's orchestration, used by the command line, the portal,
 * the timer sweep, blob events and request files: the instance id is derived from the account, so
 * every caller meets the same instance, and none starts a second while it runs. Whether a finished
 * instance is started afresh is the caller's `restart` rule; the ledger makes a new run skip what
 * an old one finished.
 */

export type StartOutcome = 'started' | 'restarted' | 'already-running' | 'finished';

export interface StartResult {
  outcome: StartOutcome;
  instanceId: string;
  status?: InstanceStatus;
}

/** `failed`: start again only after a failure; `always`: also after completion or termination. */
export type RestartRule = 'never' | 'failed' | 'always';

/**
 * A short lease on "I am starting this instance" (Table storage in Azure: `StartClaims`). Looking
 * at the status and then starting is not atomic; with several hosts, only the claim holder starts.
 */
export interface StartGuard {
  claim(instanceId: string, by: string): Promise<{ release(): Promise<void> } | undefined>;
}

export async function ensureStarted(
  client: MigrationClient,
  instanceId: string,
  input: unknown,
  restart: RestartRule,
  guard?: { claims: StartGuard; by: string },
): Promise<StartResult> {
  const settled = (status: InstanceStatus | undefined): StartResult | undefined => {
    if (status && isActive(status)) return { outcome: 'already-running', instanceId, status };
    if (status && !mayRestart(status, restart)) return { outcome: 'finished', instanceId, status };
    return undefined;
  };
  const before = await findInstance(client, instanceId);
  const early = settled(before);
  if (early) return early;

  const claim = guard ? await guard.claims.claim(instanceId, guard.by) : undefined;
  if (guard && !claim)
    return {
      outcome: 'already-running',
      instanceId,
      status: await findInstance(client, instanceId),
    };
  try {
    // Someone may have started it between our first look and the claim.
    const now = guard ? await findInstance(client, instanceId) : before;
    const late = settled(now);
    if (late) return late;
    try {
      await client.startNew(OrchestrationNames.accountMigration, { instanceId, input });
    } catch (error) {
      // A host that checks itself (the local runtime, Durable's own duplicate check) refused:
      // someone else's start won, and that instance is the one.
      if (!/already exists/i.test(error instanceof Error ? error.message : String(error)))
        throw error;
      return {
        outcome: 'already-running',
        instanceId,
        status: await findInstance(client, instanceId),
      };
    }
    return {
      outcome: now ? 'restarted' : 'started',
      instanceId,
      status: await findInstance(client, instanceId),
    };
  } finally {
    await claim?.release();
  }
}

function mayRestart(status: InstanceStatus, rule: RestartRule): boolean {
  if (rule === 'always') return true;
  if (rule === 'failed') return status.runtimeStatus === 'Failed';
  return false;
}
