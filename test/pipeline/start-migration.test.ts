import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';
import { OrchestrationNames, type MigrationRequest } from '../../shared/pipeline/contracts';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { ensureStarted, type StartGuard } from '../../shared/pipeline/start-migration';

const ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG/providers/Microsoft.Media/mediaServices/Acct';
const request: MigrationRequest = { accountId: ID, targets: [], extensionPolicy: 'auto' };
const instanceId = accountInstanceId(ID);

/** Stands in for the account orchestration: waits for `go`, then completes (or fails on "fail"). */
function runtimeWithGate() {
  const registry = createRegistry({
    [OrchestrationNames.accountMigration]: function* (
      context: OrchestrationContext,
    ): Generator<Task, unknown, unknown> {
      const go = (yield context.df.waitForExternalEvent('go')) as string | null;
      if (go === 'fail') throw new Error('stand-in failure');
      return context.df.getInput<MigrationRequest>().accountId;
    },
  });
  return new DurableRuntime({ registry, clock: new VirtualClock() });
}

async function finish(runtime: DurableRuntime, how: 'ok' | 'fail') {
  await runtime.client.raiseEvent(instanceId, 'go', how);
  await runtime.runUntilIdle();
}

const starts = async (runtime: DurableRuntime) => {
  const history = (await runtime.getHistory(instanceId)) ?? [];
  return history.filter((e) => (e as { EventType?: unknown }).EventType === 0).length;
};

describe('ensureStarted: the one start rule', () => {
  it('starts one instance per account id, however the id is spelt, and never a second while it runs', async () => {
    const runtime = runtimeWithGate();
    const spelt = accountInstanceId(ID.toLowerCase().replace('mediaservices', 'mediaServices'));
    expect(spelt).toBe(instanceId);
    const first = await ensureStarted(runtime.client, instanceId, request, 'always');
    const second = await ensureStarted(runtime.client, spelt, request, 'always');
    expect(first.outcome).toBe('started');
    expect(second).toMatchObject({ outcome: 'already-running', instanceId });
    expect(await runtime.client.getStatusAll()).toHaveLength(1);
    await runtime.runUntilIdle();
    expect(await starts(runtime)).toBe(1);
    await runtime.stop();
  });

  it('leaves a completed instance alone unless the rule is always', async () => {
    const runtime = runtimeWithGate();
    await ensureStarted(runtime.client, instanceId, request, 'never');
    await finish(runtime, 'ok');
    for (const rule of ['never', 'failed'] as const)
      expect(await ensureStarted(runtime.client, instanceId, request, rule)).toMatchObject({
        outcome: 'finished',
        status: { runtimeStatus: 'Completed' },
      });
    expect(await ensureStarted(runtime.client, instanceId, request, 'always')).toMatchObject({
      outcome: 'restarted',
      status: { runtimeStatus: expect.stringMatching(/Pending|Running/) },
    });
    await runtime.stop();
  });

  it('starts a failed instance again under failed, not under never', async () => {
    const runtime = runtimeWithGate();
    await ensureStarted(runtime.client, instanceId, request, 'never');
    await finish(runtime, 'fail');
    expect((await runtime.client.getStatus(instanceId)).runtimeStatus).toBe('Failed');
    expect((await ensureStarted(runtime.client, instanceId, request, 'never')).outcome).toBe(
      'finished',
    );
    expect((await ensureStarted(runtime.client, instanceId, request, 'failed')).outcome).toBe(
      'restarted',
    );
    await runtime.stop();
  });

  it('does not start when another host holds the start claim, and releases its own', async () => {
    const runtime = runtimeWithGate();
    const released: string[] = [];
    const refusing: StartGuard = { claim: async () => undefined };
    const granting: StartGuard = {
      claim: async (id) => ({ release: async () => void released.push(id) }),
    };
    const refused = await ensureStarted(runtime.client, instanceId, request, 'always', {
      claims: refusing,
      by: 'test',
    });
    expect(refused.outcome).toBe('already-running');
    expect(await runtime.client.getStatusAll()).toHaveLength(0);
    const granted = await ensureStarted(runtime.client, instanceId, request, 'always', {
      claims: granting,
      by: 'test',
    });
    expect(granted.outcome).toBe('started');
    expect(released).toEqual([instanceId]);
    await runtime.stop();
  });
});
