import type { OrchestrationContext } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { DurableRuntime, MemoryStore, VirtualClock } from '../../local/runtime';

test('a restarted runtime re-runs only the activity in flight and resumes a waiting parent', async () => {
  const runs: string[] = [];
  let release: () => void = () => {};
  let hang = true;
  const registry = createRegistry(
    {
      parent: function* (context: OrchestrationContext) {
        const child: unknown = yield context.df.callSubOrchestrator('child', 'c', 'the-child');
        return { child };
      },
      child: function* (context: OrchestrationContext) {
        const a: unknown = yield context.df.callActivity('step', 'a');
        const b: unknown = yield context.df.callActivity('step', 'b');
        return [a, b];
      },
    },
    {
      step: async (name: unknown) => {
        runs.push(String(name));
        if (name === 'b' && hang) await new Promise<void>((resolve) => (release = resolve));
        return `${String(name)} done`;
      },
    },
  );
  const store = new MemoryStore();
  const clock = new VirtualClock(0);
  const first = new DurableRuntime({ registry, store, clock });
  await first.client.startNew('parent', { instanceId: 'parent' });
  while (!runs.includes('b')) await new Promise((resolve) => setTimeout(resolve, 5));
  await first.stop(); // the process "dies" while step b runs
  hang = false;
  release(); // the old process's result is never recorded

  const second = new DurableRuntime({ registry, store, clock });
  await second.start();
  const record = await second.waitForCompletion('parent');
  expect(record.runtimeStatus).toBe('Completed');
  expect(JSON.parse(record.output ?? 'null')).toEqual({ child: ['a done', 'b done'] });
  expect(runs).toEqual(['a', 'b', 'b']); // a ran once; b, in flight at the stop, ran again
  await second.stop();
});
