import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';

test.each([
  [1, false],
  [3, false],
  [3, true],
])('%s activities then CAN, retry %s', async (n, withRetry) => {
  const clock = new VirtualClock(Date.UTC(2025, 0, 1));
  const registry = createRegistry(
    {
      o: function* (context: OrchestrationContext): Generator<Task, unknown, unknown> {
        const gen = context.df.getInput<number>() ?? 0;
        if (gen === 0) {
          for (let i = 0; i < n; i++)
            yield withRetry
              ? context.df.callActivityWithRetry('a', new df.RetryOptions(1000, 2), i)
              : context.df.callActivity('a', i);
          context.df.continueAsNew(1);
          return undefined;
        }
        yield context.df.createTimer(
          new Date(context.df.currentUtcDateTime.getTime() + 86_400_000),
        );
        return 'timer';
      },
    },
    { a: async () => 1 },
  );
  const runtime = new DurableRuntime({ registry, clock });
  await runtime.client.startNew('o', { instanceId: 'i', input: 0 });
  await runtime.runUntilIdle();
  const s = await runtime.client.getStatus('i');
  expect(s.runtimeStatus).toBe('Completed');
  await runtime.stop();
});
