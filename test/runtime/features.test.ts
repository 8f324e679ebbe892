import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { createRegistry } from '../../functions/registry';
import { InvocationContext } from '@azure/functions';
import { systemClock } from '../../shared/clock';
import {
  DurableRuntime,
  MemoryStore,
  VirtualClock,
  type OrchestrationClient,
  type WireEvent,
} from '../../local/runtime';
import { EventType } from '../../local/runtime/wire';

const DAY = 24 * 3600_000;
const START = Date.UTC(2025, 0, 1);

function runtimeFor(
  registry: ReturnType<typeof createRegistry>,
  options: { concurrency?: number } = {},
) {
  const clock = new VirtualClock(START);
  const runtime = new DurableRuntime({
    registry,
    clock,
    store: new MemoryStore(),
    maxConcurrentActivities: options.concurrency ?? 8,
  });
  return { runtime, clock, client: runtime.client };
}

function types(history: WireEvent[] | undefined): number[] {
  return (history ?? []).map((e) => e.EventType);
}

describe('local durable runtime', () => {
  test('activities and Task.all: actions in the history, results through JSON', async () => {
    const seen: unknown[] = [];
    const registry = createRegistry(
      {
        fanOut: function* (context: OrchestrationContext) {
          const input = context.df.getInput() as { n: number };
          const first: unknown = yield context.df.callActivity('describe', {
            at: new Date(START),
            n: input.n,
          });
          const tasks: Task[] = [];
          for (let i = 0; i < input.n; i++) tasks.push(context.df.callActivity('square', i));
          const squares = (yield context.df.Task.all(tasks)) as number[];
          return { first, sum: squares.reduce((a, b) => a + b, 0) };
        },
      },
      {
        describe: (input: unknown) => {
          seen.push(input);
          return { text: 'ok', dropped: () => 1, when: new Date(START) };
        },
        square: (i: unknown) => (i as number) ** 2,
      },
    );
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('fanOut', { instanceId: 'fan', input: { n: 5 } });
    await runtime.runUntilIdle();
    const status = await client.getStatus('fan');
    expect(status.runtimeStatus).toBe('Completed');
    // The Date became a string and the function vanished, as they would in Azure.
    expect(status.output).toEqual({
      first: { text: 'ok', when: '2025-01-01T00:00:00.000Z' },
      sum: 30,
    });
    expect(seen).toEqual([{ at: '2025-01-01T00:00:00.000Z', n: 5 }]);
    const history = await runtime.getHistory('fan');
    const scheduled = (history ?? []).filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.map((e) => [e.EventId, e.Name, e.Input])).toEqual([
      [0, 'describe', '{"at":"2025-01-01T00:00:00.000Z","n":5}'],
      [1, 'square', '0'],
      [2, 'square', '1'],
      [3, 'square', '2'],
      [4, 'square', '3'],
      [5, 'square', '4'],
    ]);
    expect(types(history).filter((t) => t === EventType.TaskCompleted)).toHaveLength(6);
    expect(types(history).at(-2)).toBe(EventType.ExecutionCompleted);
  });

  test('an activity whose output cannot be serialized fails the task, and the orchestrator sees it', async () => {
    const registry = createRegistry(
      {
        bad: function* (context: OrchestrationContext) {
          try {
            yield context.df.callActivity('bigint');
            return 'no error';
          } catch (error) {
            return (error as Error).message;
          }
        },
      },
      { bigint: () => ({ size: BigInt(1) }) },
    );
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('bad', { instanceId: 'bad' });
    await runtime.runUntilIdle();
    const status = await client.getStatus('bad');
    expect(status.runtimeStatus).toBe('Completed');
    expect(String(status.output)).toMatch(
      /output of activity 'bigint' cannot be serialized to JSON/,
    );
  });

  test('callActivityWithRetry retries with backoff timers, then succeeds or gives up', async () => {
    let calls = 0;
    const attemptsAt: number[] = [];
    const registry = createRegistry(
      {
        retrying: function* (context: OrchestrationContext) {
          const options = new df.RetryOptions(60_000, 3);
          options.backoffCoefficient = 2;
          const ok: unknown = yield context.df.callActivityWithRetry('flaky', options, 2);
          try {
            yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(1_000, 2), 99);
          } catch (error) {
            return { ok, failure: (error as Error).message };
          }
          return { ok };
        },
      },
      {
        flaky: (failures: unknown) => {
          calls++;
          attemptsAt.push(clock.now());
          if ((failures as number) >= calls || (failures as number) === 99)
            throw new Error(`attempt ${calls} failed`);
          return `succeeded on attempt ${calls}`;
        },
      },
    );
    const { runtime, client, clock } = runtimeFor(registry);
    await client.startNew('retrying', { instanceId: 'retry' });
    await runtime.runUntilIdle();
    const status = await client.getStatus('retry');
    expect(status.output).toEqual({
      ok: 'succeeded on attempt 3',
      failure: 'Error: attempt 5 failed',
    });
    // 1 minute, then 2 minutes (backoff 2) between the first three attempts; 1 s for the second.
    expect(attemptsAt.map((t) => t - START)).toEqual([0, 60_000, 180_000, 180_000, 181_000]);
    const history = (await runtime.getHistory('retry')) ?? [];
    const timers = history.filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers.map((e) => e.Lifeboat?.kind)).toEqual([
      'retry-timer',
      'retry-timer',
      'retry-timer',
      'retry-timer',
    ]);
  });

  test('Task.any: the first of an activity and a timer wins; a cancelled timer does not hold time', async () => {
    const registry = createRegistry(
      {
        race: function* (context: OrchestrationContext) {
          const deadline = context.df.createTimer(
            new Date(context.df.currentUtcDateTime.getTime() + 3 * DAY),
          );
          const work = context.df.callActivity('quick');
          const winner: Task = yield context.df.Task.any([work, deadline]);
          if (winner === work) deadline.cancel();
          const second = context.df.createTimer(
            new Date(context.df.currentUtcDateTime.getTime() + 1000),
          );
          const approval = context.df.waitForExternalEvent('never');
          const late: Task = yield context.df.Task.any([approval, second]);
          return {
            first: winner === work ? work.result : 'timeout',
            second: late === second ? 'timer' : 'event',
          };
        },
      },
      { quick: () => 'done' },
    );
    const { runtime, client, clock } = runtimeFor(registry);
    await client.startNew('race', { instanceId: 'race' });
    await runtime.runUntilIdle();
    const status = await client.getStatus('race');
    expect(status.output).toEqual({ first: 'done', second: 'timer' });
    // Only the one-second timer moved time; the cancelled three-day timer did not.
    expect(clock.now() - START).toBe(1000);
  });

  test('timers longer than six days are split into sub-timers (replay schema V3)', async () => {
    const registry = createRegistry({
      longWait: function* (context: OrchestrationContext) {
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10 * DAY));
        return context.df.currentUtcDateTime.toISOString();
      },
    });
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('longWait', { instanceId: 'long' });
    await runtime.runUntilIdle();
    expect((await client.getStatus('long')).output).toBe('2025-01-11T00:00:00.000Z');
    const created = ((await runtime.getHistory('long')) ?? []).filter(
      (e) => e.EventType === EventType.TimerCreated,
    );
    expect(created.map((e) => [e.FireAt, e.Lifeboat?.kind])).toEqual([
      ['2025-01-04T00:00:00.000Z', 'long-timer'],
      ['2025-01-07T00:00:00.000Z', 'timer-part'],
      // Four days are left: within the maximum short timer, so the last part fires at the end.
      ['2025-01-11T00:00:00.000Z', 'timer-part'],
    ]);
  });

  test('external events: waited for, raised early (buffered), and raised to unknown instances', async () => {
    const registry = createRegistry({
      approval: function* (context: OrchestrationContext) {
        context.df.setCustomStatus({ stage: 'waiting' });
        const first: unknown = yield context.df.waitForExternalEvent('approve');
        const second: unknown = yield context.df.waitForExternalEvent('confirm');
        context.df.setCustomStatus({ stage: 'done' });
        return { first, second };
      },
    });
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('approval', { instanceId: 'ap' });
    await client.raiseEvent('ap', 'confirm', 'early');
    await runtime.runUntilIdle();
    let status = await client.getStatus('ap');
    expect(status.runtimeStatus).toBe('Running');
    expect(status.customStatus).toEqual({ stage: 'waiting' });
    await client.raiseEvent('ap', 'approve', { by: 'ops' });
    await runtime.runUntilIdle();
    status = await client.getStatus('ap');
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ first: { by: 'ops' }, second: 'early' });
    expect(status.customStatus).toEqual({ stage: 'done' });
    await expect(client.raiseEvent('nobody', 'approve', 1)).rejects.toThrow(
      "No instance with ID 'nobody' found.",
    );
    await expect(client.raiseEvent('ap', 'approve', 1)).resolves.toBeUndefined();
  });

  test('sub-orchestrations with explicit instance ids, results and failures', async () => {
    const registry = createRegistry(
      {
        parent: function* (context: OrchestrationContext) {
          const results: unknown = yield context.df.Task.all([
            context.df.callSubOrchestrator('child', 2, 'child-a'),
            context.df.callSubOrchestrator('child', 3, 'child-b'),
          ]);
          try {
            yield context.df.callSubOrchestrator('child', -1, 'child-c');
          } catch (error) {
            return { results, failure: (error as Error).message };
          }
          return { results };
        },
        child: function* (context: OrchestrationContext) {
          const n = context.df.getInput() as number;
          if (n < 0) throw new Error('negative input');
          return yield context.df.callActivity('triple', n);
        },
      },
      { triple: (n: unknown) => (n as number) * 3 },
    );
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('parent', { instanceId: 'p' });
    await runtime.runUntilIdle();
    const status = await client.getStatus('p');
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({
      results: [6, 9],
      failure: expect.stringContaining('negative input'),
    });
    expect((await client.getStatus('child-a')).output).toBe(6);
    expect((await client.getStatus('child-c')).runtimeStatus).toBe('Failed');
    const created = ((await runtime.getHistory('p')) ?? []).filter(
      (e) => e.EventType === EventType.SubOrchestrationInstanceCreated,
    );
    expect(created.map((e) => e.InstanceId)).toEqual(['child-a', 'child-b', 'child-c']);
  });

  test('continueAsNew starts a fresh execution with a fresh history', async () => {
    const registry = createRegistry({
      counter: function* (context: OrchestrationContext) {
        const n = context.df.getInput() as number;
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DAY));
        if (n < 4) {
          context.df.continueAsNew(n + 1);
          return undefined;
        }
        return `counted to ${n} on ${context.df.currentUtcDateTime.toISOString().slice(0, 10)}`;
      },
    });
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('counter', { instanceId: 'c', input: 0 });
    await runtime.runUntilIdle();
    const status = await client.getStatus('c');
    expect(status.output).toBe('counted to 4 on 2025-01-06');
    expect(status.input).toBe(4);
    const history = (await runtime.getHistory('c')) ?? [];
    expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  });

  test('the determinism check fails an instance whose replay differs, naming the step', async () => {
    let flip = false;
    const registry = createRegistry(
      {
        fickle: function* (context: OrchestrationContext) {
          yield context.df.callActivity('noop', 1);
          flip = !flip;
          yield context.df.callActivity(flip ? 'noop' : 'other', 2);
          yield context.df.callActivity('noop', 3);
          return 'finished';
        },
      },
      { noop: () => null, other: () => null },
    );
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('fickle', { instanceId: 'f' });
    await runtime.runUntilIdle();
    const status = await client.getStatus('f');
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      'Non-deterministic orchestrator "fickle": step 2 is activity "noop" with input 2 in the history, ' +
        'but the code now schedules activity "other" with input 2',
    );
  });

  test('orchestrator errors, unknown activities and unknown orchestrators fail clearly', async () => {
    const registry = createRegistry({
      throws: function* (context: OrchestrationContext) {
        yield context.df.callActivity('missing');
        return 'unreachable';
      },
    });
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('throws', { instanceId: 't' });
    await client.startNew('nothing', { instanceId: 'n' });
    await runtime.runUntilIdle();
    expect(await client.getStatus('t')).toMatchObject({
      runtimeStatus: 'Failed',
      output: expect.stringMatching(
        /^Orchestrator function 'throws' failed: .*activity function 'missing' is not registered/,
      ),
    });
    expect((await client.getStatus('n')).output).toBe(
      "The orchestrator function 'nothing' is not registered.",
    );
  });

  test('what the local runtime does not support fails the instance with a clear message', async () => {
    const registry = createRegistry({
      entity: function* (context: OrchestrationContext) {
        yield context.df.callEntity(new df.EntityId('counter', 'k'), 'add', 1);
        return 'unreachable';
      },
    });
    const { runtime, client } = runtimeFor(registry);
    await client.startNew('entity', { instanceId: 'e' });
    await runtime.runUntilIdle();
    expect(await client.getStatus('e')).toMatchObject({
      runtimeStatus: 'Failed',
      output:
        "Orchestrator 'entity' uses durable entities, which the local runtime does not support.",
    });
  });

  test('client: queries, duplicate start, terminate and purge behave like Azure', async () => {
    const registry = createRegistry({
      waiter: function* (context: OrchestrationContext) {
        return yield context.df.waitForExternalEvent('go');
      },
    });
    const { runtime, client, clock } = runtimeFor(registry);
    await client.startNew('waiter', { instanceId: 'w1', input: { a: 1 } });
    clock.advanceBy(DAY);
    await client.startNew('waiter', { instanceId: 'w2' });
    await runtime.runUntilIdle();
    await expect(client.startNew('waiter', { instanceId: 'w1' })).rejects.toThrow(/already exists/);
    await expect(client.getStatus('nope')).rejects.toThrow(/404/);

    await client.terminate('w1', 'not needed');
    await runtime.runUntilIdle();
    expect(await client.getStatus('w1')).toMatchObject({
      runtimeStatus: 'Terminated',
      output: 'not needed',
      input: { a: 1 },
    });
    const running = await client.getStatusBy({
      runtimeStatus: [df.OrchestrationRuntimeStatus.Running],
    });
    expect(running.map((s) => s.instanceId)).toEqual(['w2']);
    const recent = await client.getStatusBy({ createdTimeFrom: new Date(START + DAY / 2) });
    expect(recent.map((s) => s.instanceId)).toEqual(['w2']);
    expect((await client.getStatus('w2')).createdTime).toEqual(new Date(START + DAY));

    expect(await client.purgeInstanceHistory('w2')).toEqual({ instancesDeleted: 0 }); // still running
    expect(await client.purgeInstanceHistory('w1')).toEqual({ instancesDeleted: 1 });
    await expect(client.getStatus('w1')).rejects.toThrow(/404/);
    // A finished instance id can be started again.
    await client.raiseEvent('w2', 'go', 'went');
    await runtime.runUntilIdle();
    await client.startNew('waiter', { instanceId: 'w2', input: 'again' });
    expect((await client.getStatus('w2')).runtimeStatus).toMatch(/Pending|Running/);
  });

  test('activity concurrency is bounded and fair across instances', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const registry = createRegistry(
      {
        many: function* (context: OrchestrationContext) {
          const tag = context.df.getInput() as string;
          const tasks: Task[] = [];
          for (let i = 0; i < 6; i++) tasks.push(context.df.callActivity('work', tag));
          yield context.df.Task.all(tasks);
          return tag;
        },
      },
      {
        work: async (tag: unknown) => {
          running++;
          peak = Math.max(peak, running);
          order.push(String(tag));
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
        },
      },
    );
    const { runtime, client } = runtimeFor(registry, { concurrency: 2 });
    await client.startNew('many', { instanceId: 'a', input: 'a' });
    await client.startNew('many', { instanceId: 'b', input: 'b' });
    await runtime.runUntilIdle();
    expect(peak).toBe(2);
    expect(order).toHaveLength(12);
    // "a" took both slots before "b" asked; from then on the slots alternate between them.
    expect(order.slice(0, 2)).toEqual(['a', 'a']);
    const middle = order.slice(2, 10);
    expect(middle.every((tag, i) => i === 0 || tag !== middle[i - 1])).toBe(true);
  });

  test('virtual time moves only when every running activity sleeps on the clock', async () => {
    const registry = createRegistry(
      {
        pacing: function* (context: OrchestrationContext) {
          return yield context.df.Task.all([
            context.df.callActivity('sleepy', 3_600_000),
            context.df.callActivity('busy'),
          ]);
        },
      },
      {
        sleepy: async (ms: unknown) => {
          const before = clock.now();
          await clock.sleep(ms as number);
          return clock.now() - before;
        },
        busy: async () => {
          const before = clock.now();
          // Real I/O-like work: the clock must not move while it is under way.
          await new Promise((resolve) => setTimeout(resolve, 30));
          return clock.now() - before;
        },
      },
    );
    const { runtime, client, clock } = runtimeFor(registry);
    await client.startNew('pacing', { instanceId: 'pace' });
    await runtime.runUntilIdle();
    expect((await client.getStatus('pace')).output).toEqual([3_600_000, 0]);
  });

  test('on real time, durable timers wait for the wall clock; activities get a real InvocationContext', async () => {
    const contexts: unknown[] = [];
    const registry = createRegistry(
      {
        short: function* (context: OrchestrationContext) {
          yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 150));
          return yield context.df.callActivity('who', 'x');
        },
      },
      {
        who: (_input: unknown, context: InvocationContext) => {
          contexts.push(context);
          return context.functionName;
        },
      },
    );
    const runtime = new DurableRuntime({ registry, clock: systemClock });
    const began = Date.now();
    await runtime.client.startNew('short', { instanceId: 'rt' });
    await runtime.runUntilIdle();
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect((await runtime.client.getStatus('rt')).output).toBe('who');
    expect(contexts[0]).toBeInstanceOf(InvocationContext);
    expect((contexts[0] as InvocationContext).invocationId).toBe('rt:1');
  });

  test('a trigger handler typed against OrchestrationClient runs unchanged with the local client', async () => {
    // The shape of the app's HTTP/timer starters: start once per deterministic id, report status.
    async function startOrReport(client: OrchestrationClient, accountId: string) {
      const instanceId = `migrate-${accountId}`;
      const existing = await client.getStatus(instanceId).catch(() => undefined);
      if (existing && ['Running', 'Pending'].includes(existing.runtimeStatus))
        return { instanceId, started: false };
      await client.startNew('migrate', { instanceId, input: { accountId } });
      return { instanceId, started: true };
    }
    const registry = createRegistry({
      migrate: function* (context: OrchestrationContext) {
        return yield context.df.waitForExternalEvent('finish');
      },
    });
    const { runtime, client } = runtimeFor(registry);
    expect(await startOrReport(client, 'a1')).toEqual({ instanceId: 'migrate-a1', started: true });
    await runtime.runUntilIdle();
    expect(await startOrReport(client, 'a1')).toEqual({ instanceId: 'migrate-a1', started: false });
  });
});
