import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { systemClock, type Clock } from '../../shared/clock';
import type { Registry } from '../../functions/registry';
import { LocalDurableClient } from './client';
import { findNondeterminism, actionInputText } from './determinism';
import { MemoryStore } from './memory-store';
import { ActionType, flattenActions, replay, type OpenTask, type ReplayResult } from './replay';
import { DurableTimers } from './durable-timers';
import { FairScheduler } from './scheduler';
import {
  isTerminal,
  type DurableStore,
  type InboxMessage,
  type InstanceRecord,
  type ParentReference,
} from './store';
import { VirtualClock } from './virtual-clock';
import {
  completedTaskId,
  event,
  EventType,
  fromStored,
  isScheduling,
  serialize,
  toStored,
  type FailureDetails,
  type WireEvent,
} from './wire';

/** Store operations that fail are tried this many times, with backoff from RETRY_BASE_MS. */
const EPISODE_ATTEMPTS = 5;
const RETRY_BASE_MS = 100;

/** Azure rejects a custom status above 16 KB; so does the local runtime. */
const MAX_CUSTOM_STATUS = 16 * 1024;

export type LogLevel =
  'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RuntimeLogger = (level: LogLevel | string, source: string, message: string) => void;

export interface RuntimeOptions {
  /** The orchestrations and activities to run (the app's `registry`, or a test's own). */
  registry: Registry;
  /** Where instances persist; in memory by default. */
  store?: DurableStore;
  /** `systemClock` (real time, the default) or a `VirtualClock` (time jumps when idle). */
  clock?: Clock;
  /** How many activities run at once, over all instances (default 16). */
  maxConcurrentActivities?: number;
  /** Receives the log lines of orchestrators, activities and the runtime (default: dropped). */
  log?: RuntimeLogger;
}

interface LiveInstance {
  record: InstanceRecord;
  history: WireEvent[];
  /** Durable messages not yet in the history, in arrival order. */
  inbox: InboxMessage[];
  scheduled: Map<number, WireEvent>;
  completed: Set<number>;
  maxTaskId: number;
  /** Task ids this process has started work for (activity queued, timer armed, child started). */
  dispatched: Set<number>;
  episode: 'idle' | 'scheduled' | 'running';
  /** Replay even without new messages (after loading from the store). */
  needsReplay: boolean;
  open: OpenTask[];
  /** Ids in the inbox, to add each message once. */
  inboxIds: Set<string>;
  /** Pending ids of the Task.all the orchestrator waits on (see ReplayResult.waitingForAll). */
  waitingForAll: Set<number> | undefined;
  /** Results in the inbox for ids of waitingForAll; the episode runs once all are in. */
  resultsForAll: Set<number>;
  /** A message in the inbox that may move the orchestrator: run an episode for it. */
  mustRun: boolean;
  /** A finished instance keeps only its record in memory; its history stays in the store. */
  historyDropped?: boolean;
}

/**
 * The local durable runtime: runs the app's orchestrator generators through durable-functions'
 * own replay executor, keeps their history in the extension's wire format in a store, runs
 * activities in-process with bounded, fair concurrency, and fires durable timers on real or
 * virtual time. `client` has the shape of the durable-functions client that triggers use.
 */
export class DurableRuntime {
  readonly store: DurableStore;
  readonly clock: Clock;
  /** The client trigger handlers use (the shape of durable-functions' DurableClient). */
  readonly client: LocalDurableClient = new LocalDurableClient(this);
  private readonly registry: Registry;
  private readonly scheduler: FairScheduler;
  private readonly log: RuntimeLogger;
  private readonly live = new Map<string, LiveInstance>();
  private readonly loading = new Map<string, Promise<LiveInstance | undefined>>();
  private readonly timers = new DurableTimers(() => this.kick());
  /** Episodes scheduled or running, store writes and client calls in flight. */
  private pending = 0;
  private idleCheckQueued = false;
  private idleWaiters: Array<() => void> = [];
  private changeWaiters = new Set<() => void>();
  private started = false;
  private stopped = false;
  private readonly unsubscribeClock: (() => void) | undefined;
  /** Counters for benchmarks and tests. */
  readonly stats = { episodes: 0, historyEvents: 0, activitiesRun: 0, timersFired: 0 };

  constructor(options: RuntimeOptions) {
    this.registry = options.registry;
    this.store = options.store ?? new MemoryStore();
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    this.scheduler = new FairScheduler(options.maxConcurrentActivities ?? 16, () => this.kick());
    if (this.clock instanceof VirtualClock)
      this.unsubscribeClock = this.clock.onChange(() => this.kick());
  }

  get virtualTime(): boolean {
    return this.clock instanceof VirtualClock;
  }

  /** Resumes every unfinished instance found in the store. Called by the first client call too. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.track(async () => {
      const unfinished = await this.store.queryInstances({
        runtimeStatus: ['Pending', 'Running', 'ContinuedAsNew'],
      });
      for (const record of unfinished) {
        const live = await this.instance(record.instanceId);
        if (live) this.scheduleEpisode(live);
      }
    });
  }

  /**
   * Stops timers and new work, and waits (up to ten seconds) for episodes and store writes under
   * way. Activities still running finish, but their results are not recorded: a restarted runtime
   * runs them again, as after a crash.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.unsubscribeClock?.();
    for (const live of this.live.values()) this.scheduler.cancel(live.record.instanceId);
    const deadline = Date.now() + 10_000;
    while (this.pending > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await this.store.close?.();
  }

  /**
   * Resolves when nothing is left that can make progress on its own: no orchestrator work, no
   * activity, no durable timer (on virtual time, timers are fired by jumping ahead; on real time
   * this waits for them). Instances waiting only for external events count as idle.
   */
  async runUntilIdle(): Promise<void> {
    await this.start();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
    });
  }

  /** Resolves with the record once the instance reaches a terminal status. */
  async waitForCompletion(instanceId: string): Promise<InstanceRecord> {
    await this.start();
    for (;;) {
      const record = await this.getRecord(instanceId);
      if (record && isTerminal(record.runtimeStatus)) return record;
      await new Promise<void>((resolve) => this.changeWaiters.add(resolve));
    }
  }

  // ---- operations behind the client -------------------------------------------------------

  async startInstance(name: string, instanceId: string, input: unknown): Promise<void> {
    await this.start();
    await this.track(async () => {
      const existing = await this.getRecord(instanceId);
      if (existing && !isTerminal(existing.runtimeStatus))
        throw new Error(
          `An Orchestration instance with the status ${existing.runtimeStatus} already exists (instance '${instanceId}').`,
        );
      await this.createInstance(
        name,
        instanceId,
        input === undefined ? undefined : serialize(input, 'orchestration input'),
      );
    });
  }

  async raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<void> {
    await this.start();
    await this.track(async () => {
      const record = await this.getRecord(instanceId);
      if (!record) throw new Error(`No instance with ID '${instanceId}' found.`);
      if (isTerminal(record.runtimeStatus)) return; // Azure answers 410 Gone; the client ignores it
      await this.deliver(instanceId, [
        {
          id: `event-${randomUUID()}`,
          event: toStored(
            event(EventType.EventRaised, this.clock.now(), {
              Name: eventName,
              Input: serialize(data, `event "${eventName}"`),
            }),
          ),
        },
      ]);
    });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    await this.start();
    await this.track(async () => {
      const record = await this.getRecord(instanceId);
      if (!record) throw new Error(`No instance with ID '${instanceId}' found.`);
      if (isTerminal(record.runtimeStatus)) return;
      await this.deliver(instanceId, [
        {
          id: `terminate-${randomUUID()}`,
          event: toStored(
            event(EventType.ExecutionTerminated, this.clock.now(), {
              Input: serialize(reason, 'reason'),
            }),
          ),
        },
      ]);
    });
  }

  async purge(instanceId: string): Promise<number> {
    await this.start();
    return this.track(async () => {
      const record = await this.getRecord(instanceId);
      if (!record || !isTerminal(record.runtimeStatus)) return 0;
      this.live.delete(instanceId);
      return (await this.store.purge(instanceId)) ? 1 : 0;
    });
  }

  async getRecord(instanceId: string): Promise<InstanceRecord | undefined> {
    const live = this.live.get(instanceId);
    if (live) return live.record;
    return this.store.getInstance(instanceId);
  }

  async getHistory(instanceId: string): Promise<WireEvent[] | undefined> {
    const live = await this.instance(instanceId);
    if (!live?.historyDropped) return live?.history;
    const loaded = await this.store.loadInstance(instanceId);
    return loaded?.history.map(fromStored);
  }

  // ---- instances ----------------------------------------------------------------------------

  private async createInstance(
    name: string,
    instanceId: string,
    input: string | undefined,
    parent?: ParentReference,
  ): Promise<void> {
    const now = new Date(this.clock.now()).toISOString();
    const executionId = randomUUID();
    const record: InstanceRecord = {
      instanceId,
      name,
      executionId,
      runtimeStatus: 'Pending',
      ...(input !== undefined ? { input } : {}),
      createdTime: now,
      lastUpdatedTime: now,
      ...(parent ? { parent } : {}),
    };
    const first: InboxMessage = {
      id: `start-${executionId}`,
      executionId,
      event: toStored(this.executionStarted(record)),
    };
    this.scheduler.cancel(instanceId);
    this.timers.dropInstance(instanceId);
    await this.store.startInstance(record, first);
    const live = this.newLive(record, [], [first]);
    this.live.set(instanceId, live);
    this.scheduleEpisode(live);
    this.notifyChange();
  }

  private executionStarted(record: InstanceRecord): WireEvent {
    return event(EventType.ExecutionStarted, this.clock.now(), {
      Name: record.name,
      ...(record.input !== undefined ? { Input: record.input } : {}),
      OrchestrationInstance: { InstanceId: record.instanceId, ExecutionId: record.executionId },
      ...(record.parent
        ? {
            ParentInstance: {
              Name: '',
              TaskScheduleId: record.parent.taskId,
              OrchestrationInstance: { InstanceId: record.parent.instanceId },
            },
          }
        : {}),
    });
  }

  private newLive(
    record: InstanceRecord,
    history: WireEvent[],
    inbox: InboxMessage[],
  ): LiveInstance {
    const live: LiveInstance = {
      record,
      history,
      inbox,
      scheduled: new Map(),
      completed: new Set(),
      maxTaskId: -1,
      dispatched: new Set(),
      episode: 'idle',
      needsReplay: false,
      open: [],
      inboxIds: new Set(inbox.map((m) => m.id)),
      waitingForAll: undefined,
      resultsForAll: new Set(),
      mustRun: inbox.length > 0,
    };
    this.index(live, history);
    return live;
  }

  private index(live: LiveInstance, events: WireEvent[]): void {
    for (const e of events) {
      if (isScheduling(e)) {
        live.scheduled.set(e.EventId, e);
        live.maxTaskId = Math.max(live.maxTaskId, e.EventId);
      }
      const done = completedTaskId(e);
      if (done !== undefined) live.completed.add(done);
    }
  }

  /** The live state of an instance, loaded from the store on first use. */
  private async instance(instanceId: string): Promise<LiveInstance | undefined> {
    const cached = this.live.get(instanceId);
    if (cached) return cached;
    let loading = this.loading.get(instanceId);
    if (!loading) {
      loading = (async () => {
        const loaded = await this.store.loadInstance(instanceId);
        if (!loaded) return undefined;
        const again = this.live.get(instanceId);
        if (again) return again;
        const history = loaded.history.map((e) => ({ ...fromStored(e), IsPlayed: true }));
        const live = this.newLive(loaded.record, history, loaded.inbox);
        live.needsReplay = !isTerminal(loaded.record.runtimeStatus) && loaded.history.length > 0;
        this.live.set(instanceId, live);
        return live;
      })().finally(() => this.loading.delete(instanceId));
      this.loading.set(instanceId, loading);
    }
    return loading;
  }

  /** Durably adds messages to an instance's inbox, then lets it run. */
  private async deliver(instanceId: string, messages: InboxMessage[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.addMessages(instanceId, messages);
        break;
      } catch (error) {
        if (attempt >= EPISODE_ATTEMPTS || /No instance with ID/.test(describeError(error)))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** attempt));
      }
    }
    const live = await this.instance(instanceId);
    if (!live) return;
    for (const m of messages) {
      if (live.inboxIds.has(m.id)) continue;
      live.inboxIds.add(m.id);
      live.inbox.push(m);
      this.classify(live, m);
    }
    this.scheduleEpisode(live);
  }

  /** Notes whether a message can move the orchestrator or only adds to a pending Task.all. */
  private classify(live: LiveInstance, message: InboxMessage): void {
    const type = message.event.EventType;
    const id = completedTaskId(fromStored(message.event));
    const success =
      type === EventType.TaskCompleted ||
      type === EventType.SubOrchestrationInstanceCompleted ||
      type === EventType.TimerFired;
    if (success && id !== undefined && live.waitingForAll?.has(id)) live.resultsForAll.add(id);
    else live.mustRun = true;
  }

  private reclassify(live: LiveInstance): void {
    live.mustRun = false;
    live.resultsForAll = new Set();
    for (const m of live.inbox) this.classify(live, m);
  }

  private readyToRun(live: LiveInstance): boolean {
    if (live.needsReplay || live.mustRun) return true;
    if (live.inbox.length === 0) return false;
    return live.waitingForAll === undefined || live.resultsForAll.size >= live.waitingForAll.size;
  }

  // ---- episodes -----------------------------------------------------------------------------

  /**
   * Runs an episode of the instance on a later turn (so results that arrive together share it).
   * An episode that fails on the store (a lost connection, say) changed nothing in memory and is
   * retried with backoff; after the last attempt the instance waits for the next restart.
   */
  private scheduleEpisode(live: LiveInstance, attempt = 0): void {
    if (live.episode !== 'idle' || this.stopped) return;
    if (attempt === 0 && !this.readyToRun(live)) return;
    live.episode = 'scheduled';
    this.pending++;
    const run = () => {
      live.episode = 'running';
      this.episode(live)
        .then(
          () => true,
          (error: unknown) => {
            this.log(
              'error',
              'runtime',
              `episode of ${live.record.instanceId} failed: ${describeError(error)}`,
            );
            return false;
          },
        )
        .then((ok) => {
          live.episode = 'idle';
          this.reclassify(live);
          this.pending--;
          if (!ok && attempt < EPISODE_ATTEMPTS - 1) this.scheduleEpisode(live, attempt + 1);
          else this.scheduleEpisode(live);
          this.notifyChange();
          this.kick();
        });
    };
    if (attempt === 0) setImmediate(run);
    else setTimeout(run, RETRY_BASE_MS * 2 ** attempt);
  }

  private async episode(live: LiveInstance): Promise<void> {
    const record = live.record;
    const messages = live.inbox.slice();
    const consumed = messages.map((m) => m.id);
    if (isTerminal(record.runtimeStatus)) {
      live.inbox.splice(0, messages.length);
      return;
    }
    const now = this.clock.now();
    const incoming: WireEvent[] = [];
    let terminateReason: string | undefined;
    const answered = new Set<number>();
    for (const message of messages) {
      if (message.executionId !== undefined && message.executionId !== record.executionId) continue;
      const e = fromStored(message.event);
      if (e.EventType === EventType.ExecutionStarted) {
        if (live.history.length === 0 && incoming.length === 0) incoming.push(e);
        continue;
      }
      if (e.EventType === EventType.ExecutionTerminated) {
        terminateReason = e.Input === undefined ? '' : String(JSON.parse(e.Input));
        continue;
      }
      const taskId = completedTaskId(e);
      if (taskId !== undefined) {
        if (!live.scheduled.has(taskId) || live.completed.has(taskId) || answered.has(taskId))
          continue;
        answered.add(taskId);
      }
      incoming.push(e);
    }
    live.needsReplay = false;

    if (terminateReason !== undefined) {
      await this.finish(live, now, incoming, consumed, {
        status: 'Terminated',
        output: serialize(terminateReason, 'reason'),
        failure: { ErrorType: 'Terminated', ErrorMessage: `terminated: ${terminateReason}` },
      });
      return;
    }
    if (live.history.length === 0 && incoming[0]?.EventType !== EventType.ExecutionStarted) return;
    const replayOnly = incoming.length === 0;
    if (replayOnly && messages.length > 0) {
      // Only stale or duplicate messages: drop them without touching the history.
      removeConsumed(live, consumed);
      await this.store.commit(record, { events: [], consumed });
      this.dispatch(live);
      return;
    }

    const started = event(EventType.OrchestratorStarted, now);
    const history = replayOnly ? live.history : [...live.history, started, ...incoming];
    const handler = this.registry.orchestrations.get(record.name);
    if (!handler) {
      await this.finish(
        live,
        now,
        incoming,
        consumed,
        failed(`The orchestrator function '${record.name}' is not registered.`),
      );
      return;
    }
    this.stats.episodes++;
    let result: ReplayResult;
    try {
      result = await replay(handler, {
        functionName: record.name,
        instanceId: record.instanceId,
        input: record.input,
        ...(record.parent ? { parentInstanceId: record.parent.instanceId } : {}),
        history,
        log: (level, message) => this.log(level, record.name, message),
      });
    } catch (error) {
      await this.finish(live, now, incoming, consumed, failed(describeError(error)));
      return;
    }

    const actions = flattenActions(result.state);
    const mismatch = findNondeterminism(record.name, actions, history);
    if (mismatch) {
      await this.finish(live, now, incoming, consumed, failed(mismatch));
      return;
    }
    const customStatus =
      result.state.customStatus === undefined
        ? undefined
        : serialize(result.state.customStatus, 'custom status');
    if (customStatus !== undefined && Buffer.byteLength(customStatus) > MAX_CUSTOM_STATUS) {
      await this.finish(
        live,
        now,
        incoming,
        consumed,
        failed(`The custom status of '${record.name}' is larger than 16 KB.`),
      );
      return;
    }
    if (customStatus !== undefined) record.customStatus = customStatus;

    if (result.failed) {
      await this.finish(
        live,
        now,
        incoming,
        consumed,
        failed(
          `Orchestrator function '${record.name}' failed: ${result.state.error ?? 'unknown error'}`,
        ),
      );
      return;
    }
    if (result.state.isDone) {
      const again = actions.find((a) => a.actionType === ActionType.ContinueAsNew);
      if (again) {
        await this.continueAsNew(live, now, consumed, again.input);
        // The old execution's live state is retired: it must not run its consumed inbox again.
        removeConsumed(live, consumed);
        return;
      }
      await this.finish(live, now, incoming, consumed, {
        status: 'Completed',
        output: serialize(result.state.output, `output of '${record.name}'`),
      });
      return;
    }

    const unsupported = result.open.find((t) => t.kind === 'unsupported');
    if (unsupported && unsupported.kind === 'unsupported') {
      await this.finish(
        live,
        now,
        incoming,
        consumed,
        failed(
          `Orchestrator '${record.name}' uses ${unsupported.what}, which the local runtime does not support.`,
        ),
      );
      return;
    }
    const newTasks = result.open.filter((t) => t.id > live.maxTaskId);
    let scheduledEvents: WireEvent[];
    try {
      scheduledEvents = newTasks.map((task) => this.scheduledEvent(live, task, now));
    } catch (error) {
      await this.finish(live, now, incoming, consumed, failed(describeError(error)));
      return;
    }
    live.waitingForAll = result.waitingForAll ? new Set(result.waitingForAll) : undefined;
    if (replayOnly && scheduledEvents.length === 0) {
      live.open = result.open;
      this.dispatch(live);
      return;
    }
    const events = replayOnly
      ? [started, ...scheduledEvents, event(EventType.OrchestratorCompleted, now)]
      : [started, ...incoming, ...scheduledEvents, event(EventType.OrchestratorCompleted, now)];
    record.runtimeStatus = 'Running';
    record.lastUpdatedTime = new Date(now).toISOString();
    await this.store.commit(record, { events: events.map(toStored), consumed });
    this.append(live, events);
    removeConsumed(live, consumed);
    live.open = result.open;
    this.dispatch(live);
  }

  private scheduledEvent(live: LiveInstance, task: OpenTask, now: number): WireEvent {
    const annotation =
      task.origin === 'primary'
        ? undefined
        : task.kind === 'timer' && task.origin === 'long-timer'
          ? { kind: task.origin, ...(task.finalFireAt ? { fireAt: task.finalFireAt } : {}) }
          : { kind: task.origin };
    const common = { EventId: task.id, ...(annotation ? { Lifeboat: annotation } : {}) };
    switch (task.kind) {
      case 'activity':
        return event(EventType.TaskScheduled, now, {
          ...common,
          Name: task.name,
          Input: actionInputText({
            actionType: ActionType.CallActivity,
            functionName: task.name,
            input: task.input,
          }),
        });
      case 'suborchestration':
        return event(EventType.SubOrchestrationInstanceCreated, now, {
          ...common,
          Name: task.name,
          InstanceId: task.instanceId ?? `${live.record.instanceId}:sub:${task.id}`,
          Input: serialize(task.input, `input of sub-orchestration "${task.name}"`),
        });
      case 'timer': {
        const fireAt = task.fireAt ?? new Date(now + (task.retryDelayMs ?? 0)).toISOString();
        return event(EventType.TimerCreated, now, { ...common, FireAt: fireAt });
      }
      default:
        throw new Error(`cannot schedule task ${task.id}`);
    }
  }

  private append(live: LiveInstance, events: WireEvent[]): void {
    // Events of past episodes are "played" in every later replay, as the extension marks them.
    for (const e of events) live.history.push({ ...e, IsPlayed: true });
    this.index(live, events);
    this.stats.historyEvents += events.length;
  }

  private async continueAsNew(
    live: LiveInstance,
    now: number,
    consumed: string[],
    input: unknown,
  ): Promise<void> {
    const record = live.record;
    this.scheduler.cancel(record.instanceId);
    this.timers.dropInstance(record.instanceId);
    record.executionId = randomUUID();
    const inputText =
      input === undefined
        ? undefined
        : typeof input === 'string'
          ? input
          : serialize(input, 'continueAsNew input');
    if (inputText === undefined) delete record.input;
    else record.input = inputText;
    record.runtimeStatus = 'Running';
    record.lastUpdatedTime = new Date(now).toISOString();
    // Events raised while this episode ran stay in the inbox and reach the new execution.
    const started = this.executionStarted(record);
    const events = [event(EventType.OrchestratorStarted, now), started];
    // The new execution's first episode runs from these events; they are its history so far.
    await this.store.commit(
      record,
      { events: events.map(toStored), consumed },
      { newExecution: true },
    );
    const fresh = this.newLive(record, [], []);
    fresh.inbox = live.inbox.filter((m) => !consumed.includes(m.id));
    fresh.history = events;
    this.index(fresh, events);
    fresh.needsReplay = true;
    this.live.set(record.instanceId, fresh);
    this.stats.historyEvents += events.length;
    this.notifyChange();
    this.scheduleEpisode(fresh);
  }

  private async finish(
    live: LiveInstance,
    now: number,
    incoming: WireEvent[],
    consumed: string[],
    outcome: {
      status: 'Completed' | 'Failed' | 'Terminated';
      output: string;
      failure?: FailureDetails;
    },
  ): Promise<void> {
    const record = live.record;
    record.runtimeStatus = outcome.status;
    record.output = outcome.output;
    record.lastUpdatedTime = new Date(now).toISOString();
    const closing =
      outcome.status === 'Terminated'
        ? event(EventType.ExecutionTerminated, now, { Input: outcome.output })
        : event(EventType.ExecutionCompleted, now, { Result: outcome.output });
    const events = [
      event(EventType.OrchestratorStarted, now),
      ...incoming,
      closing,
      event(EventType.OrchestratorCompleted, now),
    ];
    await this.store.commit(record, { events: events.map(toStored), consumed });
    this.append(live, events);
    removeConsumed(live, consumed);
    live.open = [];
    live.waitingForAll = undefined;
    this.scheduler.cancel(record.instanceId);
    this.timers.dropInstance(record.instanceId);
    if (outcome.status === 'Failed')
      this.log('warning', record.name, `instance ${record.instanceId} failed: ${outcome.output}`);
    live.history = [];
    live.scheduled.clear();
    live.historyDropped = true;
    if (record.parent) await this.notifyParent(record, outcome);
    this.notifyChange();
  }

  private async notifyParent(
    record: InstanceRecord,
    outcome: { status: string; output: string; failure?: FailureDetails },
  ): Promise<void> {
    const parent = record.parent as ParentReference;
    const now = this.clock.now();
    const done =
      outcome.status === 'Completed'
        ? event(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: parent.taskId,
            Result: outcome.output,
          })
        : event(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: parent.taskId,
            Reason: `Sub-orchestration '${record.name}' (instance '${record.instanceId}') failed`,
            Details: String(JSON.parse(outcome.output)),
            FailureDetails: outcome.failure ?? {
              ErrorType: 'OrchestrationFailure',
              ErrorMessage: String(JSON.parse(outcome.output)),
            },
          });
    const parentRecord = await this.getRecord(parent.instanceId);
    if (!parentRecord) return;
    await this.deliver(parent.instanceId, [
      {
        id: `sub-${parent.executionId}-${parent.taskId}`,
        executionId: parent.executionId,
        event: toStored(done),
      },
    ]);
  }

  // ---- work ---------------------------------------------------------------------------------

  /** Starts what the open tasks wait for: activities, timers and sub-orchestrations. */
  private dispatch(live: LiveInstance): void {
    const record = live.record;
    const answered = new Set<number>();
    for (const m of live.inbox) {
      const id = completedTaskId(fromStored(m.event));
      if (id !== undefined && (m.executionId === undefined || m.executionId === record.executionId))
        answered.add(id);
    }
    // A timer the orchestrator cancelled (or no longer waits for) need not fire.
    const waitedFor = new Set(
      live.open.filter((t) => !(t.kind === 'timer' && t.canceled)).map((t) => t.id),
    );
    this.timers.keepOnly(record.instanceId, (taskId) => waitedFor.has(taskId));
    for (const task of live.open) {
      if (live.completed.has(task.id) || answered.has(task.id) || live.dispatched.has(task.id))
        continue;
      const scheduled = live.scheduled.get(task.id);
      if (!scheduled) continue;
      if (task.kind === 'timer' && task.canceled) continue;
      live.dispatched.add(task.id);
      switch (scheduled.EventType) {
        case EventType.TaskScheduled:
          this.enqueueActivity(record, scheduled);
          break;
        case EventType.TimerCreated:
          this.timers.arm({
            instanceId: record.instanceId,
            executionId: record.executionId,
            taskId: task.id,
            fireAt: Date.parse(String(scheduled.FireAt)),
          });
          break;
        case EventType.SubOrchestrationInstanceCreated:
          void this.track(() => this.startChild(record, scheduled)).catch((error: unknown) =>
            this.log(
              'error',
              'runtime',
              `could not start sub-orchestration: ${describeError(error)}`,
            ),
          );
          break;
      }
    }
    this.kick();
  }

  private enqueueActivity(record: InstanceRecord, scheduled: WireEvent): void {
    const instanceId = record.instanceId;
    const executionId = record.executionId;
    const taskId = scheduled.EventId;
    const name = String(scheduled.Name);
    this.scheduler.enqueue(instanceId, async () => {
      const now = () => this.clock.now();
      let done: WireEvent;
      const handler = this.registry.activities.get(name);
      if (!handler) {
        done = taskFailed(
          taskId,
          name,
          new Error(`The activity function '${name}' is not registered.`),
          now(),
        );
      } else {
        const context = new InvocationContext({
          functionName: name,
          invocationId: `${instanceId}:${taskId}`,
          logHandler: (level, ...args) => this.log(level, name, args.map(String).join(' ')),
        });
        try {
          this.stats.activitiesRun++;
          const input: unknown =
            scheduled.Input === undefined ? undefined : JSON.parse(scheduled.Input);
          const output: unknown = await handler(input, context);
          done = event(EventType.TaskCompleted, now(), {
            TaskScheduledId: taskId,
            Result: serialize(output, `output of activity '${name}'`),
          });
        } catch (error) {
          done = taskFailed(taskId, name, error, now());
        }
      }
      if (this.stopped) return;
      await this.deliver(instanceId, [
        { id: `task-${executionId}-${taskId}`, executionId, event: toStored(done) },
      ]);
    });
  }

  private async startChild(parentRecord: InstanceRecord, scheduled: WireEvent): Promise<void> {
    const childId = String(scheduled.InstanceId);
    const reference: ParentReference = {
      instanceId: parentRecord.instanceId,
      taskId: scheduled.EventId,
      executionId: parentRecord.executionId,
    };
    const existing = await this.getRecord(childId);
    const ours =
      existing?.parent?.instanceId === reference.instanceId &&
      existing.parent.taskId === reference.taskId &&
      existing.parent.executionId === reference.executionId;
    if (existing && ours) {
      // Started before a restart: it runs on its own; if it already finished, tell the parent again.
      if (isTerminal(existing.runtimeStatus))
        await this.notifyParent(existing, {
          status: existing.runtimeStatus,
          output: existing.output ?? 'null',
        });
      return;
    }
    if (existing && !isTerminal(existing.runtimeStatus)) {
      await this.deliver(parentRecord.instanceId, [
        {
          id: `sub-${reference.executionId}-${reference.taskId}`,
          executionId: reference.executionId,
          event: toStored(
            event(EventType.SubOrchestrationInstanceFailed, this.clock.now(), {
              TaskScheduledId: reference.taskId,
              Reason: `An orchestration instance with ID '${childId}' is already ${existing.runtimeStatus}.`,
              Details: '',
              FailureDetails: {
                ErrorType: 'OrchestrationAlreadyExistsException',
                ErrorMessage: `An orchestration instance with ID '${childId}' is already ${existing.runtimeStatus}.`,
              },
            }),
          ),
        },
      ]);
      return;
    }
    await this.createInstance(String(scheduled.Name), childId, scheduled.Input, reference);
  }

  // ---- timers and time ----------------------------------------------------------------------

  private fireDueTimers(): void {
    const now = this.clock.now();
    for (const timer of this.timers.takeDue(now)) {
      this.stats.timersFired++;
      void this.track(() =>
        this.deliver(timer.instanceId, [
          {
            id: `timer-${timer.executionId}-${timer.taskId}`,
            executionId: timer.executionId,
            event: toStored(
              event(EventType.TimerFired, now, {
                TimerId: timer.taskId,
                FireAt: new Date(timer.fireAt).toISOString(),
              }),
            ),
          },
        ]),
      ).catch((error: unknown) =>
        this.log('error', 'runtime', `could not fire a timer: ${describeError(error)}`),
      );
    }
  }

  /** Re-evaluates, once per turn of the event loop, whether time can move and whether all is idle. */
  private kick(): void {
    if (this.idleCheckQueued) return;
    this.idleCheckQueued = true;
    setImmediate(() => {
      this.idleCheckQueued = false;
      this.checkProgress();
    });
  }

  private checkProgress(): void {
    if (this.stopped) return this.releaseIdleWaiters();
    this.fireDueTimers();
    if (this.pending > 0) return;
    const clock = this.clock;
    const running = this.scheduler.running;
    if (clock instanceof VirtualClock) {
      const allParked = running === 0 || clock.sleepers >= running;
      if (!allParked) return;
      const candidates = [this.timers.earliest(), clock.nextWakeUp()].filter(
        (t): t is number => t !== undefined,
      );
      if (candidates.length > 0) {
        clock.advanceTo(Math.min(...candidates));
        this.fireDueTimers();
        this.kick();
        return;
      }
      if (running === 0 && this.scheduler.queued === 0) this.releaseIdleWaiters();
      return;
    }
    this.timers.wakeOnRealTime(clock.now());
    if (running === 0 && this.scheduler.queued === 0 && this.timers.size === 0)
      this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private notifyChange(): void {
    const waiters = [...this.changeWaiters];
    this.changeWaiters.clear();
    for (const resolve of waiters) resolve();
  }

  /** Counts an operation as work in progress, so virtual time does not move under it. */
  private async track<T>(operation: () => Promise<T>): Promise<T> {
    this.pending++;
    try {
      return await operation();
    } finally {
      this.pending--;
      this.kick();
    }
  }
}

function removeConsumed(live: LiveInstance, consumed: string[]): void {
  const ids = new Set(consumed);
  live.inbox = live.inbox.filter((m) => !ids.has(m.id));
  for (const id of consumed) live.inboxIds.delete(id);
}

function failed(message: string): { status: 'Failed'; output: string; failure: FailureDetails } {
  return {
    status: 'Failed',
    output: JSON.stringify(message),
    failure: { ErrorType: 'OrchestrationFailure', ErrorMessage: message },
  };
}

function taskFailed(taskId: number, name: string, error: unknown, now: number): WireEvent {
  const err = error instanceof Error ? error : new Error(String(error));
  return event(EventType.TaskFailed, now, {
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${err.message}`,
    Details: err.stack ?? err.message,
    FailureDetails: {
      ErrorType: err.name || 'Error',
      ErrorMessage: err.message,
      ...(err.stack ? { StackTrace: err.stack } : {}),
      IsNonRetriable: false,
    },
  });
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
