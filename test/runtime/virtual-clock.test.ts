import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';

describe('VirtualClock', () => {
  test('sleepers wake in time order when time is advanced, not before', async () => {
    const clock = new VirtualClock(1_000);
    const woke: string[] = [];
    const a = clock.sleep(500).then(() => woke.push(`a@${clock.now()}`));
    const b = clock.sleep(100).then(() => woke.push(`b@${clock.now()}`));
    expect(clock.sleepers).toBe(2);
    expect(clock.nextWakeUp()).toBe(1_100);
    clock.advanceTo(1_099);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advanceTo(2_000);
    await Promise.all([a, b]);
    expect(woke).toEqual(['b@2000', 'a@2000']);
    expect(clock.sleepers).toBe(0);
    clock.advanceTo(0); // never backwards
    expect(clock.now()).toBe(2_000);
  });

  test('an aborted sleep rejects with the reason and stops counting as a sleeper', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    expect(clock.sleepers).toBe(0);
    await expect(clock.sleep(0)).resolves.toBeUndefined();
  });
});

test('fan-out in batches stays cheap: about two history events and one replay share per activity', async () => {
  const registry = createRegistry(
    {
      waves: function* (context: OrchestrationContext) {
        let done = 0;
        for (let wave = 0; wave < 4; wave++) {
          const tasks: Task[] = [];
          for (let i = 0; i < 250; i++) tasks.push(context.df.callActivity('item', i));
          done += ((yield context.df.Task.all(tasks)) as unknown[]).length;
        }
        return done;
      },
    },
    {
      item: async (i: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, (i as number) % 3));
        return i;
      },
    },
  );
  const runtime = new DurableRuntime({
    registry,
    clock: new VirtualClock(0),
    maxConcurrentActivities: 32,
  });
  await runtime.client.startNew('waves', { instanceId: 'waves' });
  await runtime.runUntilIdle();
  expect((await runtime.client.getStatus('waves')).output).toBe(1000);
  // Results of a pending Task.all are gathered into one replay: one episode per wave, plus the start.
  expect(runtime.stats.episodes).toBe(5);
  expect(runtime.stats.historyEvents / 1000).toBeLessThan(2.05);
});
