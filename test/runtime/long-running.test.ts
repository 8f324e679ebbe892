import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, VirtualClock } from '../../local/runtime';
import { EventType } from '../../local/runtime/wire';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2025, 3, 1);

test('a 90-day orchestration with timers completes in seconds on virtual time', async () => {
  const clock = new VirtualClock(START);
  const registry = createRegistry(
    {
      readOnlyWindow: function* (context: OrchestrationContext) {
        const begin = context.df.currentUtcDateTime.getTime();
        // Wait for an approval for up to 30 days (a timer beyond the six-day maximum).
        const approval = context.df.waitForExternalEvent('approve');
        const timeout = context.df.createTimer(new Date(begin + 30 * DAY));
        const first: Task = yield context.df.Task.any([approval, timeout]);
        const approved = first === approval;
        if (approved) timeout.cancel();
        const sweeps: unknown[] = [];
        // Then a daily sweep until day 90, each pacing itself to a throttle budget on the clock.
        for (let day = 30; day < 90; day++) {
          sweeps.push(yield context.df.callActivity('sweep', day));
          yield context.df.createTimer(new Date(begin + (day + 1) * DAY));
        }
        return {
          approved,
          sweeps: sweeps.length,
          endedAt: context.df.currentUtcDateTime.toISOString(),
        };
      },
    },
    {
      sweep: async (day: unknown) => {
        // 1,200 key operations an hour: three seconds apart, five of them.
        for (let i = 0; i < 5; i++) await clock.sleep(3_000);
        return { day, at: new Date(clock.now()).toISOString() };
      },
    },
  );
  const runtime = new DurableRuntime({ registry, clock });
  const began = Date.now();
  await runtime.client.startNew('readOnlyWindow', { instanceId: 'window' });
  await runtime.runUntilIdle();
  const wall = Date.now() - began;
  const status = await runtime.client.getStatus('window');
  expect(status.runtimeStatus).toBe('Completed');
  expect(status.output).toEqual({
    approved: false,
    sweeps: 60,
    endedAt: '2025-06-30T00:00:00.000Z',
  });
  expect(clock.now()).toBe(START + 90 * DAY);
  expect(wall).toBeLessThan(10_000);
  const history = (await runtime.getHistory('window')) ?? [];
  expect(history.filter((e) => e.EventType === EventType.TimerFired)).toHaveLength(60 + 9); // 30 days: eight 3-day parts, then the last 6 days
  console.log(`90 virtual days in ${wall} ms of wall time, ${history.length} history events`);
});
