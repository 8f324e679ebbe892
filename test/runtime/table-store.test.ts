import type { OrchestrationContext } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';
import { TableStore, taskHubStore } from '../../local/runtime/table-store';
import { EventType } from '../../local/runtime/wire';
import { testStorageSettings, uniqueName } from '../support/storage';

const DAY = 24 * 3600_000;
const START = Date.UTC(2025, 0, 1);

function tableStore(table = uniqueName('rt'), container = uniqueName('rt')) {
  return {
    store: new TableStore({ storage: testStorageSettings(), table, container }),
    table,
    container,
  };
}

const big = 'x'.repeat(100_000);
let activityRuns = 0;

const registry = createRegistry(
  {
    approvalFlow: function* (context: OrchestrationContext) {
      const payload = (yield context.df.callActivity('makeBig')) as string;
      context.df.setCustomStatus({ stage: 'waiting', size: payload.length });
      const decision: unknown = yield context.df.waitForExternalEvent('decide');
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 8 * DAY));
      return { decision, payload: payload.length, echo: context.df.getInput() };
    },
  },
  {
    makeBig: () => {
      activityRuns++;
      return big;
    },
  },
);

test('instances, history and large payloads survive a restart on the table store', async () => {
  const { store, table, container } = tableStore();
  const clock = new VirtualClock(START);
  const first = new DurableRuntime({ registry, store, clock });
  await first.client.startNew('approvalFlow', { instanceId: 'acct/1 #a', input: { note: big } });
  await first.runUntilIdle();
  const waiting = await first.client.getStatus('acct/1 #a');
  expect(waiting).toMatchObject({
    runtimeStatus: 'Running',
    customStatus: { stage: 'waiting', size: 100_000 },
  });
  await first.stop();

  // A new process: a new store object and runtime over the same table and container.
  const second = new DurableRuntime({
    registry,
    store: new TableStore({ storage: testStorageSettings(), table, container }),
    clock,
  });
  await second.client.raiseEvent('acct/1 #a', 'decide', 'go');
  await second.runUntilIdle();
  const status = await second.client.getStatus('acct/1 #a', { showHistory: true });
  expect(status.runtimeStatus).toBe('Completed');
  expect(status.output).toEqual({ decision: 'go', payload: 100_000, echo: { note: big } });
  expect(activityRuns).toBe(1); // completed work is not done again after the restart
  expect(clock.now()).toBe(START + 8 * DAY);
  const history = (status.history ?? []) as Array<{ EventType: number }>;
  expect(history.filter((e) => e.EventType === EventType.TimerFired)).toHaveLength(2);
  expect(await second.client.getStatusBy({ runtimeStatus: ['Completed' as never] })).toHaveLength(
    1,
  );
  expect(await second.client.purgeInstanceHistory('acct/1 #a')).toEqual({ instancesDeleted: 1 });
  expect(await store.getInstance('acct/1 #a')).toBeUndefined();
  await second.stop();
});

test('a message left in the inbox after its commit is not applied twice', async () => {
  const { store } = tableStore();
  const clock = new VirtualClock(START);
  const runtime = new DurableRuntime({ registry, store, clock });
  await runtime.client.startNew('approvalFlow', { instanceId: 'dup', input: 1 });
  await runtime.runUntilIdle();
  const loaded = await store.loadInstance('dup');
  expect(loaded?.inbox).toEqual([]);
  const completed = loaded?.history.find((e) => e.EventType === EventType.TaskCompleted);
  // Simulate a crash between the commit and the inbox clean-up: the consumed message comes back.
  await store.addMessages('dup', [
    {
      id: `task-${loaded?.record.executionId}-0`,
      executionId: loaded?.record.executionId,
      event: completed!,
    },
  ]);
  const reloaded = await store.loadInstance('dup');
  expect(reloaded?.inbox).toEqual([]);
  await runtime.stop();
});

test('a task hub gets its own table and container; a bad hub name is refused', async () => {
  expect(() => taskHubStore(testStorageSettings(), 'no-dashes')).toThrow(/task hub name/);
  const hub = `hub${uniqueName('').slice(0, 8)}`;
  const store = taskHubStore(testStorageSettings(), hub);
  const runtime = new DurableRuntime({ registry, store, clock: new VirtualClock(START) });
  await runtime.client.startNew('approvalFlow', { instanceId: 'h', input: 1 });
  await runtime.runUntilIdle();
  expect((await runtime.client.getStatus('h')).runtimeStatus).toBe('Running');
  expect(await store.getInstance('h')).toMatchObject({
    name: 'approvalFlow',
    runtimeStatus: 'Running',
  });
  await runtime.stop();
});
