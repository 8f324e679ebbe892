import { ActionType, type WireAction } from './replay';
import { EventType, isScheduling, serialize, type WireEvent } from './wire';

/**
 * The determinism check of every replay: the scheduling actions the orchestrator produced, in
 * order, must match the scheduled events of its history (retry timers, retry attempts and the
 * later parts of long timers are the runtime's own and are skipped). Returns the error message
 * naming the orchestrator and the first differing step, or undefined when they agree.
 */
export function findNondeterminism(
  orchestrator: string,
  actions: WireAction[],
  history: WireEvent[],
): string | undefined {
  const steps = actions.filter((a) => schedules(a));
  const scheduled = history.filter(
    (e) =>
      isScheduling(e) &&
      e.Lifeboat?.kind !== 'retry-timer' &&
      e.Lifeboat?.kind !== 'retry-attempt' &&
      e.Lifeboat?.kind !== 'timer-part',
  );
  for (let i = 0; i < scheduled.length; i++) {
    const step = steps[i];
    const e = scheduled[i] as WireEvent;
    if (step && sameStep(e, step)) continue;
    const past = describeEvent(e);
    const now = step ? describeAction(step) : 'nothing';
    if (past !== now)
      return (
        `Non-deterministic orchestrator "${orchestrator}": step ${i + 1} is ${past} in the ` +
        `history, but the code now schedules ${now}`
      );
  }
  return undefined;
}

/** A quick comparison for the common case; descriptions are built only when it fails. */
function sameStep(e: WireEvent, action: WireAction): boolean {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return (
        e.EventType === EventType.TaskScheduled &&
        e.Name === action.functionName &&
        (e.Input ?? 'null') === actionInputText(action)
      );
    default:
      return false;
  }
}

function schedules(action: WireAction): boolean {
  return (
    action.actionType !== ActionType.WaitForExternalEvent &&
    action.actionType !== ActionType.ContinueAsNew &&
    action.actionType !== ActionType.SignalEntity
  );
}

export function actionInputText(action: WireAction): string {
  // callActivity sends string inputs already JSON-encoded (Utils.processInput); others as values.
  const activity =
    action.actionType === ActionType.CallActivity ||
    action.actionType === ActionType.CallActivityWithRetry;
  if (activity && typeof action.input === 'string') return action.input;
  return serialize(action.input, `input of "${action.functionName}"`);
}

function describeAction(action: WireAction): string {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `activity "${action.functionName}" with input ${clip(actionInputText(action))}`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return (
        `sub-orchestration "${action.functionName}"` +
        (action.instanceId ? ` (instance "${action.instanceId}")` : '') +
        ` with input ${clip(actionInputText(action))}`
      );
    case ActionType.CreateTimer:
      return `a timer firing at ${new Date(String(action.fireAt)).toISOString()}`;
    default:
      return `an action of type ${action.actionType}`;
  }
}

function describeEvent(e: WireEvent): string {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      return `activity "${e.Name}" with input ${clip(e.Input ?? 'null')}`;
    case EventType.SubOrchestrationInstanceCreated:
      return (
        `sub-orchestration "${e.Name}"` +
        // Ids the runtime generated (`<parent>:sub:<step>`) are not the code's to compare.
        (e.InstanceId && !e.InstanceId.endsWith(`:sub:${e.EventId}`)
          ? ` (instance "${e.InstanceId}")`
          : '') +
        ` with input ${clip(e.Input ?? 'null')}`
      );
    default:
      return `a timer firing at ${e.Lifeboat?.fireAt ?? e.FireAt}`;
  }
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
