import { InvocationContext } from '@azure/functions';
import type { OrchestrationHandler } from 'durable-functions';
import { Orchestrator } from 'durable-functions/lib/src/orchestrations/Orchestrator';
import {
  AtomicTask,
  DFTimerTask,
  LongTimerTask,
  NoOpTask,
  RetryableTask,
  TaskBase,
  WhenAllTask,
} from 'durable-functions/lib/src/task';
import type { WireEvent } from './wire';

/**
 * One run of an orchestrator generator through durable-functions' own replay executor
 * (`Orchestrator`), fed a history in the extension's wire format. Nothing here decides what the
 * orchestration does: it reports the executor's state (actions, output, error, custom status) and
 * the tasks the executor is waiting for, each with the sequence number it assigned.
 */

/** The extension's defaults for the Azure Storage provider (replay schema V3 long timers). */
export const MAXIMUM_SHORT_TIMER = '6.00:00:00';
export const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
export const MAXIMUM_SHORT_TIMER_MS = 6 * 24 * 3600_000;
const REPLAY_SCHEMA_V3 = 2;

/** An action as the worker sends it to the extension (JSON). */
export interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: RetryOptionsJson;
  compoundActions?: WireAction[];
}

export interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

/** The executor's OrchestratorState after crossing the JSON boundary. */
export interface OrchestratorStateJson {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export type WorkOrigin = 'primary' | 'retry-attempt' | 'retry-timer' | 'timer-part' | 'long-timer';

/** A task the executor waits for, keyed by the sequence number it assigned. */
export type OpenTask =
  | { id: number; kind: 'activity'; origin: WorkOrigin; name: string; input: unknown }
  | {
      id: number;
      kind: 'suborchestration';
      origin: WorkOrigin;
      name: string;
      instanceId?: string;
      input: unknown;
    }
  | {
      id: number;
      kind: 'timer';
      origin: WorkOrigin;
      /** When this timer (or this part of a long timer) fires; undefined for a retry timer. */
      fireAt?: string;
      /** For the first part of a long timer: when the whole timer fires. */
      finalFireAt?: string;
      /** For a retry timer: the delay the retry policy asks for. */
      retryDelayMs?: number;
      canceled: boolean;
    }
  | { id: number; kind: 'unsupported'; origin: WorkOrigin; what: string };

export interface ReplayInput {
  functionName: string;
  instanceId: string;
  /** The orchestration's input as JSON text (parsed afresh for every run). */
  input: string | undefined;
  parentInstanceId?: string;
  history: WireEvent[];
  log?: (level: string, message: string) => void;
}

export interface ReplayResult {
  state: OrchestratorStateJson;
  /** The orchestrator threw (state.error says what). */
  failed: boolean;
  open: OpenTask[];
  /**
   * When the orchestrator waits on Task.all of plain tasks: the ids still pending. Until all of
   * them have succeeded (or one fails), a replay cannot move the generator, so the runtime may
   * batch their results into one episode instead of replaying after each.
   */
  waitingForAll?: number[];
}

export async function replay(
  handler: OrchestrationHandler,
  run: ReplayInput,
): Promise<ReplayResult> {
  const orchestrator = new Orchestrator(handler);
  const trigger = {
    history: run.history,
    input: run.input === undefined ? undefined : JSON.parse(run.input),
    instanceId: run.instanceId,
    isReplaying: false,
    parentInstanceId: run.parentInstanceId,
    upperSchemaVersion: REPLAY_SCHEMA_V3,
    maximumShortTimerDuration: MAXIMUM_SHORT_TIMER,
    longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
  };
  const log = run.log;
  const context = new InvocationContext({
    functionName: run.functionName,
    invocationId: run.instanceId,
    logHandler: (level, ...args) => log?.(level, args.map(String).join(' ')),
  });

  let raw: unknown;
  let failed = false;
  try {
    raw = await orchestrator.handle(trigger, context);
  } catch (error) {
    raw = stateFromFailure(error);
    failed = true;
  }
  let state: OrchestratorStateJson;
  try {
    // The worker sends its state to the extension as JSON: output and custom status cross it here.
    state = JSON.parse(JSON.stringify(raw)) as OrchestratorStateJson;
  } catch (error) {
    throw new Error(
      `orchestrator "${run.functionName}" returned a state that cannot be serialized to JSON: ${(error as Error).message}`,
    );
  }
  if (!state || typeof state.isDone !== 'boolean' || !Array.isArray(state.actions))
    throw new Error(`orchestrator "${run.functionName}" returned no orchestrator state`);
  const executor = orchestrator.taskOrchestrationExecutor;
  const waitingForAll = failed || state.isDone ? undefined : pendingOfTaskAll(executor);
  return {
    state,
    failed,
    open: openTasks(executor, run.history),
    ...(waitingForAll ? { waitingForAll } : {}),
  };
}

function pendingOfTaskAll(executor: unknown): number[] | undefined {
  const current = (executor as { currentTask?: unknown } | undefined)?.currentTask;
  // Exactly Task.all (not a retry or a long timer, which are built on it) of atomic tasks.
  if (!(current instanceof WhenAllTask) || current.constructor !== WhenAllTask) return undefined;
  const pending: number[] = [];
  for (const child of current.children) {
    if (!(child instanceof AtomicTask)) return undefined;
    if (child.hasResult) continue;
    if (typeof child.id !== 'number') return undefined;
    pending.push(child.id);
  }
  return pending;
}

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/** OrchestrationFailureError carries the state as JSON after a label in its message. */
function stateFromFailure(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) throw error;
  return JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length));
}

function openTasks(executor: unknown, history: WireEvent[]): OpenTask[] {
  const open = (executor as { openTasks?: unknown } | undefined)?.openTasks;
  if (!open || typeof open !== 'object')
    throw new Error(
      'durable-functions replay executor has no open tasks: unsupported package version',
    );
  const currentTime = latestStart(history);
  const result: OpenTask[] = [];
  for (const task of Object.values(open as Record<string, unknown>)) {
    if (!(task instanceof TaskBase) || typeof task.id !== 'number') continue;
    result.push(describe(task, task.id, currentTime));
  }
  return result.sort((a, b) => a.id - b.id);
}

function latestStart(history: WireEvent[]): number {
  let latest = 0;
  for (const e of history) if (e.EventType === 12) latest = Math.max(latest, e.Timestamp.getTime());
  return latest;
}

function describe(task: TaskBase, id: number, now: number): OpenTask {
  const parent = task.parent;
  if (task instanceof NoOpTask) {
    if (!(parent instanceof RetryableTask))
      return { id, kind: 'unsupported', origin: 'primary', what: 'a task without an action' };
    if (parent.isWaitingOnTimer) {
      const options = parent.retryOptions as RetryOptionsJson;
      return {
        id,
        kind: 'timer',
        origin: 'retry-timer',
        retryDelayMs: retryDelay(options, parent.attemptNumber - 2),
        canceled: false,
      };
    }
    return fromAction(parent.innerTask.actionObj as WireAction, id, 'retry-attempt', now);
  }
  const action = task.actionObj as WireAction;
  if (task instanceof DFTimerTask && parent instanceof LongTimerTask) {
    const whole = parent.actionObj as WireAction & { fireAt: Date };
    const first = parent.children[0] === task;
    return {
      id,
      kind: 'timer',
      origin: first ? 'long-timer' : 'timer-part',
      fireAt: toIso(action.fireAt),
      ...(first ? { finalFireAt: toIso(whole.fireAt) } : {}),
      canceled: whole.isCanceled === true,
    };
  }
  return fromAction(action, id, 'primary', now);
}

function fromAction(action: WireAction, id: number, origin: WorkOrigin, _now: number): OpenTask {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return {
        id,
        kind: 'activity',
        origin,
        name: String(action.functionName),
        input: action.input,
      };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        id,
        kind: 'suborchestration',
        origin,
        name: String(action.functionName),
        ...(action.instanceId ? { instanceId: action.instanceId } : {}),
        input: action.input,
      };
    case ActionType.CreateTimer:
      return {
        id,
        kind: 'timer',
        origin,
        fireAt: toIso(action.fireAt),
        canceled: action.isCanceled === true,
      };
    case ActionType.CallHttp:
      return { id, kind: 'unsupported', origin, what: 'callHttp' };
    case ActionType.CallEntity:
      return { id, kind: 'unsupported', origin, what: 'durable entities' };
    default:
      return { id, kind: 'unsupported', origin, what: `action type ${action.actionType}` };
  }
}

function toIso(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime()))
    throw new Error(`timer has an invalid fire time: ${String(value)}`);
  return date.toISOString();
}

/** DurableTask's retry delay: first interval times the backoff coefficient per retry, capped. */
export function retryDelay(options: RetryOptionsJson, retryCount: number): number {
  const coefficient = options.backoffCoefficient ?? 1;
  const delay =
    options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, Math.max(0, retryCount));
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 ? Math.min(delay, cap) : delay;
}

/** The scheduling actions in the order the executor numbered them (compound actions flattened). */
export function flattenActions(state: OrchestratorStateJson): WireAction[] {
  const out: WireAction[] = [];
  const walk = (actions: WireAction[]) => {
    for (const action of actions) {
      if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny)
        walk(action.compoundActions ?? []);
      else out.push(action);
    }
  };
  for (const group of state.actions) walk(group);
  return out;
}
