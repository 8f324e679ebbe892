import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../../functions/registry';
import { DurableRuntime } from '../../../local/runtime';
import { EventNames, OrchestrationNames } from '../../../shared/pipeline/contracts';
import { testServices, type TestServicesOptions } from './services';

/**
 * The local durable runtime with a stand-in for the account orchestration, for the trigger tests
 * that are about instances and events (one instance per account, one assets-added handling per
 * burst): it waits for assets-added events, handles each in an activity the test counts, and ends
 * on cancel (or fails when the cancel reason is "fail", so restarts can be tested).
 */
export interface Handling {
  instanceId: string;
  data: unknown;
}

export function standInRegistry(handled: Handling[]) {
  return createRegistry(
    {
      [OrchestrationNames.accountMigration]: function* (context: OrchestrationContext) {
        const input = context.df.getInput() as { accountId: string };
        const cancel = context.df.waitForExternalEvent(EventNames.cancel);
        context.df.setCustomStatus({ phase: 'watch' });
        for (;;) {
          const added = context.df.waitForExternalEvent(EventNames.assetsAdded);
          const winner: Task = yield context.df.Task.any([added, cancel]);
          if (winner === added) {
            const count: unknown = yield context.df.callActivity('recordAssetsAdded', {
              instanceId: context.df.instanceId,
              data: added.result,
            });
            context.df.setCustomStatus({ phase: 'watch', assetsAddedHandled: count });
            continue;
          }
          if ((cancel.result as { reason?: string } | undefined)?.reason === 'fail')
            throw new Error('stand-in failure');
          return { accountId: input.accountId, phase: 'done', outcome: 'cancelled' };
        }
      },
    },
    {
      recordAssetsAdded: async (input: unknown) => {
        handled.push(input as Handling);
        return handled.length;
      },
    },
  );
}

/** Trigger services whose durable client is a local runtime running the stand-in. */
export function runtimeServices(options: Omit<TestServicesOptions, 'client'>) {
  const handled: Handling[] = [];
  const runtime = new DurableRuntime({ registry: standInRegistry(handled) });
  const built = testServices({ ...options, client: runtime.client });
  return { ...built, runtime, handled };
}

/** Instance records of the account orchestration in the runtime's store. */
export async function instancesIn(runtime: DurableRuntime) {
  return (await runtime.client.getStatusBy({})).filter(
    (s) => s.name === OrchestrationNames.accountMigration,
  );
}

/** ExecutionStarted events in an instance's history: more than one would be a second start. */
export async function startsOf(runtime: DurableRuntime, instanceId: string): Promise<number> {
  const history = (await runtime.getHistory(instanceId)) ?? [];
  return history.filter((e) => (e as { EventType?: unknown }).EventType === 0).length;
}
