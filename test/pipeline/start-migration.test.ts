import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';
import { OrchestrationNames, type MigrationRequest } from '../../shared/pipeline/contracts';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { startOrFindMigration } from '../../shared/pipeline/start-migration';

const ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG/providers/Microsoft.Media/mediaServices/Acct';
const request: MigrationRequest = { accountId: ID, targets: [], extensionPolicy: 'auto' };

function runtimeWithGate() {
  const registry = createRegistry({
    // Stands in for the account orchestration: waits for one event, then completes.
    [OrchestrationNames.accountMigration]: function* (
      context: OrchestrationContext,
    ): Generator<Task, unknown, unknown> {
      yield context.df.waitForExternalEvent('go');
      return context.df.getInput<MigrationRequest>().accountId;
    },
  });
  return new DurableRuntime({ registry, clock: new VirtualClock() });
}

describe('startOrFindMigration', () => {
  it('starts one instance per account however the id is spelt, and finds it afterwards', async () => {
    const runtime = runtimeWithGate();
    const first = await startOrFindMigration(runtime.client, request);
    const second = await startOrFindMigration(runtime.client, {
      ...request,
      accountId: ID.toLowerCase().replace('mediaservices', 'mediaServices'),
    });
    expect(first).toMatchObject({ outcome: 'started', instanceId: accountInstanceId(ID) });
    expect(second).toMatchObject({ outcome: 'running', instanceId: first.instanceId });
    expect(await runtime.client.getStatusAll()).toHaveLength(1);

    await runtime.client.raiseEvent(first.instanceId, 'go', null);
    await runtime.runUntilIdle();
    const status = await runtime.client.getStatus(first.instanceId);
    // The input carries the canonical id.
    expect(status.output).toBe(ID.toLowerCase());
    expect(await startOrFindMigration(runtime.client, request)).toMatchObject({
      outcome: 'completed',
    });
    expect(
      await startOrFindMigration(runtime.client, request, { restartCompleted: true }),
    ).toMatchObject({ outcome: 'started' });
    await runtime.stop();
  });

  it('refuses what is not an account id', async () => {
    const runtime = runtimeWithGate();
    await expect(
      startOrFindMigration(runtime.client, { ...request, accountId: 'acct' }),
    ).rejects.toThrow(/not a Media Services account id/);
    await runtime.stop();
  });
});
